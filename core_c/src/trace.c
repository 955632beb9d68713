/* trace.c — lock traces for spec/'s conformance check (compiled in only with -DBSKIP_TRACE).
 *
 * Each thread appends events to its own buffer (no lock on the hot path); buffers are registered
 * in a global list under a mutex when a thread records its first event of a tracing session.
 * A global atomic counter gives every event its `seq`. Acquire events are recorded after the lock
 * is obtained and release events before it is given up (lock.h), so for any one lock the seq
 * order of its events is the real order of its holders.
 * bskip_trace_dump writes what is recorded so far while recording goes on (a watchdog's view of a
 * run that hangs): it holds every buffer's mutex at once, and a thread takes its seq and appends
 * under its buffer's mutex, so the dump holds exactly the events with seq 0..n-1.
 * Invariants: a buffer belongs to one thread and one session (`session` changes at every start,
 * which makes a thread open a new buffer); buffers are freed only by start/stop, which REQUIRE
 * that no operation is in flight.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bskip_testing.h"
#include "lock.h"

#ifdef BSKIP_TRACE
enum { EV_BEGIN, EV_END, EV_REQUEST, EV_ACQUIRE, EV_RELEASE, EV_LINK, EV_UNLINK, EV_FREE };

typedef struct trace_rec {
    uint64_t seq;
    uint64_t node;
    uint64_t after; /* link/unlink: the left neighbour */
    int64_t key;
    uint64_t *kids; /* a W release above level 0: the ids its entries' down pointers name (owned) */
    uint32_t nkids;
    int32_t height; /* a put's begin/end: its drawn height */
    uint32_t thread;
    int16_t level;
    uint8_t ev, mode, op, has_key;
} trace_rec;

typedef struct trace_buf {
    struct trace_buf *next;
    uint32_t thread;
    pthread_mutex_t mu; /* guards count, capacity, recs: taken by its thread to append, and by a
                         * dump (every buffer's at once, so the dump sees a prefix of the seqs) */
    size_t count, capacity;
    trace_rec *recs;
} trace_buf;

static pthread_mutex_t bufs_mu = PTHREAD_MUTEX_INITIALIZER;
static trace_buf *bufs;         /* guarded by bufs_mu */
static uint32_t threads_seen;   /* guarded by bufs_mu */
static atomic_bool recording;
static atomic_uint_fast64_t seq_counter;
static atomic_uint_fast64_t session = 1;
static atomic_bool lost_events; /* a buffer could not grow */
static _Thread_local trace_buf *tl_buf;
static _Thread_local uint64_t tl_session;
static _Thread_local uint32_t tl_cap; /* keys per node of the map whose operation runs here */

static trace_buf *thread_buf(void) {
    uint64_t s = atomic_load_explicit(&session, memory_order_acquire);
    if (tl_buf != NULL && tl_session == s) return tl_buf;
    trace_buf *b = calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        return NULL;
    }
    pthread_mutex_lock(&bufs_mu);
    b->thread = threads_seen++;
    b->next = bufs;
    bufs = b;
    pthread_mutex_unlock(&bufs_mu);
    tl_buf = b;
    tl_session = s;
    return b;
}

static void record(trace_rec r) { /* takes ownership of r.kids */
    if (!atomic_load_explicit(&recording, memory_order_acquire)) {
        free(r.kids);
        return;
    }
    trace_buf *b = thread_buf();
    if (b == NULL) {
        free(r.kids);
        atomic_store(&lost_events, true);
        return;
    }
    pthread_mutex_lock(&b->mu); /* a dump holds it while it copies: the seq and the append are one */
    if (b->count == b->capacity) {
        size_t cap = b->capacity ? b->capacity * 2 : 4096;
        trace_rec *grown = realloc(b->recs, cap * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&b->mu);
            free(r.kids);
            atomic_store(&lost_events, true);
            return;
        }
        b->recs = grown;
        b->capacity = cap;
    }
    r.thread = b->thread;
    r.seq = atomic_fetch_add_explicit(&seq_counter, 1, memory_order_acq_rel);
    b->recs[b->count++] = r;
    pthread_mutex_unlock(&b->mu);
}

static const uint8_t lock_evs[] = {[TRACE_REQUEST] = EV_REQUEST, [TRACE_GRANT] = EV_ACQUIRE,
                                    [TRACE_RELEASE] = EV_RELEASE};

void bskip__trace_lock_event(const node *x, enum trace_lock what, enum lock_mode mode) {
    if (!atomic_load_explicit(&recording, memory_order_acquire)) return;
    trace_rec r = {.node = x->id, .level = (int16_t)x->level, .ev = lock_evs[what],
                   .mode = (uint8_t)mode, .has_key = !x->is_head && x->n > 0};
    if (r.has_key) r.key = x->words[0];
    if (what == TRACE_RELEASE && mode == LOCK_W && x->level > 0) {
        /* x is write-held by this thread: its entries are stable while we read them */
        const node *const *slots = (const node *const *)(x->words + tl_cap); /* set at begin */
        r.kids = malloc((x->n ? x->n : 1) * sizeof *r.kids);
        if (r.kids == NULL) {
            atomic_store(&lost_events, true);
            return;
        }
        for (uint32_t i = 0; i < x->n; i++) r.kids[i] = slots[i]->id;
        r.nkids = x->n;
    }
    record(r);
}

void bskip__trace_free_event(const node *x) {
    trace_rec r = {.node = x->id, .level = (int16_t)x->level, .ev = EV_FREE};
    record(r);
}

void bskip__trace_link_event(const node *x, const node *y, int link) {
    trace_rec r = {.node = y->id, .after = x->id, .level = (int16_t)y->level,
                   .ev = link ? EV_LINK : EV_UNLINK, .has_key = !x->is_head};
    record(r);
}

void bskip__trace_op_event(const bskip *m, int begin, enum trace_op op, int64_t key, int height) {
    tl_cap = m->cap;
    trace_rec r = {.ev = begin ? EV_BEGIN : EV_END, .op = (uint8_t)op, .key = key, .has_key = 1,
                   .height = height};
    record(r);
}

static void free_bufs(void) {
    while (bufs != NULL) {
        trace_buf *b = bufs;
        bufs = b->next;
        for (size_t i = 0; i < b->count; i++) free(b->recs[i].kids);
        pthread_mutex_destroy(&b->mu);
        free(b->recs);
        free(b);
    }
    threads_seen = 0;
}

int bskip_trace_start(void) {
    pthread_mutex_lock(&bufs_mu);
    atomic_store(&recording, false);
    free_bufs();
    atomic_store(&seq_counter, 0);
    atomic_store(&lost_events, false);
    atomic_fetch_add(&session, 1);
    atomic_store(&recording, true);
    pthread_mutex_unlock(&bufs_mu);
    return BSKIP_OK;
}

static int by_seq(const void *a, const void *b) {
    uint64_t x = ((const trace_rec *)a)->seq, y = ((const trace_rec *)b)->seq;
    return (x > y) - (x < y);
}

static const char *const op_names[] = {"get", "put", "delete", "scan"};

static void write_rec(FILE *f, const trace_rec *r) {
    fprintf(f, "{\"seq\":%" PRIu64 ",\"thread\":%" PRIu32 ",", r->seq, r->thread);
    if (r->ev == EV_BEGIN) {
        fprintf(f, "\"ev\":\"begin\",\"op\":\"%s\",\"key\":%" PRId64, op_names[r->op], r->key);
        if (r->op == TRACE_PUT) fprintf(f, ",\"height\":%" PRId32, r->height);
        fputs("}\n", f);
    } else if (r->ev == EV_END) {
        fprintf(f, "\"ev\":\"end\",\"op\":\"%s\"}\n", op_names[r->op]);
    } else if (r->ev == EV_FREE) {
        fprintf(f, "\"ev\":\"free\",\"node\":%" PRIu64 ",\"level\":%d}\n", r->node, r->level);
    } else if (r->ev == EV_LINK || r->ev == EV_UNLINK) {
        /* has_key: the left neighbour is not a head ("after" null for a head) */
        fprintf(f, "\"ev\":\"%s\",\"node\":%" PRIu64 ",\"level\":%d,\"after\":",
                r->ev == EV_LINK ? "link" : "unlink", r->node, r->level);
        if (r->has_key) fprintf(f, "%" PRIu64 "}\n", r->after);
        else fputs("null}\n", f);
    } else {
        fprintf(f, "\"ev\":\"%s\",\"mode\":\"%s\",\"node\":%" PRIu64 ",\"level\":%d,\"key\":",
                r->ev == EV_REQUEST ? "request" : r->ev == EV_ACQUIRE ? "acquire" : "release",
                r->mode == LOCK_W ? "W" : "R", r->node, r->level);
        if (r->has_key) fprintf(f, "%" PRId64, r->key);
        else fputs("null", f);
        if (r->kids != NULL) {
            fputs(",\"kids\":[", f);
            for (uint32_t i = 0; i < r->nkids; i++)
                fprintf(f, "%s%" PRIu64, i ? "," : "", r->kids[i]);
            fputc(']', f);
        }
        fputs("}\n", f);
    }
}

/* Writes every recorded event in seq order. REQUIRES: bufs_mu held and no append in progress
 * (every buffer's mu held, or nothing recording). */
static int64_t write_all(const char *path) {
    size_t total = 0;
    for (trace_buf *b = bufs; b != NULL; b = b->next) total += b->count;
    trace_rec *all = malloc((total ? total : 1) * sizeof *all);
    int64_t rc = BSKIP_ENOMEM;
    if (all != NULL) {
        size_t j = 0;
        for (trace_buf *b = bufs; b != NULL; b = b->next)
            for (size_t i = 0; i < b->count; i++) all[j++] = b->recs[i];
        qsort(all, total, sizeof *all, by_seq);
        FILE *f = fopen(path, "w");
        rc = BSKIP_ESYS;
        if (f != NULL) {
            for (size_t i = 0; i < total; i++) write_rec(f, &all[i]);
            if (fclose(f) == 0) rc = (int64_t)total;
        }
        free(all);
    }
    return atomic_load(&lost_events) ? BSKIP_ENOMEM : rc;
}

int64_t bskip_trace_stop(const char *path) {
    if (path == NULL) return BSKIP_EINVAL;
    pthread_mutex_lock(&bufs_mu);
    atomic_store(&recording, false);
    int64_t rc = write_all(path); /* REQUIRES of stop: no operation in flight */
    free_bufs();
    pthread_mutex_unlock(&bufs_mu);
    return rc;
}

int64_t bskip_trace_dump(const char *path) {
    if (path == NULL) return BSKIP_EINVAL;
    pthread_mutex_lock(&bufs_mu); /* order: bufs_mu, then the buffers' mu in list order */
    for (trace_buf *b = bufs; b != NULL; b = b->next) pthread_mutex_lock(&b->mu);
    int64_t rc = write_all(path); /* no append in progress: the seqs written are 0..n-1 */
    for (trace_buf *b = bufs; b != NULL; b = b->next) pthread_mutex_unlock(&b->mu);
    pthread_mutex_unlock(&bufs_mu);
    return rc;
}
#else
int bskip_trace_start(void) { return BSKIP_ENOTSUP; }
int64_t bskip_trace_stop(const char *path) {
    (void)path;
    return BSKIP_ENOTSUP;
}
int64_t bskip_trace_dump(const char *path) {
    (void)path;
    return BSKIP_ENOTSUP;
}
#endif

int bskip_testing_features(void) {
    int f = 0;
#ifdef BSKIP_TRACE
    f |= BSKIP_FEATURE_TRACE;
#endif
#ifdef BSKIP_NOISE
    f |= BSKIP_FEATURE_NOISE;
#endif
#ifdef BSKIP_FAILALLOC
    f |= BSKIP_FEATURE_FAILALLOC;
#endif
    return f;
}
