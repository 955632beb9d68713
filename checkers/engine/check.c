/* check.c — lc_check: the partitions of a history checked on worker threads, under one deadline
 * and one memory limit; the engine's constants table for Python.
 *
 * Parallel partitions. Workers take partition indices in increasing order from one atomic
 * counter and run lc_search on each; every partition has its own search and model context, so
 * the only shared mutable state is the lc_budget (atomics). With stop_at_illegal, a partition
 * found illegal lowers budget.first_illegal (atomic min); a partition with a higher index stops
 * at its next check (search.c, argument 7) or is skipped, as LC_WHY_CANCELLED. A partition with a
 * lower index is never cancelled, so the lowest illegal partition is found whatever the number
 * of workers — and each partition's verdict and linearization are a function of that partition
 * alone (the search is deterministic) — so results depend on the worker count only where a
 * limit was hit (time, memory).
 * Budget. `used` counts memo bytes of all partitions (memo.c takes before it allocates and gives
 * back when freed); the deadline is one monotonic instant for all.
 * Lock rules: none — the workers share no lock; pthread_join orders every worker's writes to its
 * own lc_part before lc_check reads them.
 */
#define _POSIX_C_SOURCE 199309L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lc.h"

double lc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int lc_budget_take(lc_budget *b, int64_t bytes)
{
    int64_t was = atomic_fetch_add(&b->used, bytes);
    if (b->limit > 0 && was + bytes > b->limit) {
        atomic_fetch_sub(&b->used, bytes);
        return LC_ELIMIT;
    }
    return 0;
}

void lc_budget_give(lc_budget *b, int64_t bytes) { atomic_fetch_sub(&b->used, bytes); }

int lc_budget_stop(lc_budget *b, int64_t index)
{
    if (b->stop_at_illegal && atomic_load(&b->first_illegal) < index)
        return LC_ECANCEL;
    return b->deadline > 0 && lc_now() > b->deadline;
}

struct job {
    int model;
    lc_part *parts;
    int64_t n_parts;
    const uint8_t *blob;
    const int64_t *atom_off;
    int64_t n_atoms;
    lc_step_cb cb;
    lc_budget *b;
    _Atomic int64_t next;
};

/* Maps an internal outcome to the partition's (result, why). */
static void settle(lc_part *p, int rc)
{
    p->why = LC_WHY_NONE;
    switch (rc) {
    case LC_ELIMIT: p->result = LC_VERDICT_UNKNOWN, p->why = LC_WHY_MEMORY_LIMIT; break;
    case LC_ENOMEM: p->result = LC_VERDICT_UNKNOWN, p->why = LC_WHY_OUT_OF_MEMORY; break;
    case LC_ECANCEL: p->result = LC_VERDICT_UNKNOWN, p->why = LC_WHY_CANCELLED; break;
    case LC_VERDICT_UNKNOWN: p->result = rc, p->why = LC_WHY_TIMEOUT; break;
    default: p->result = rc;
    }
}

static void *worker(void *arg)
{
    struct job *j = arg;
    for (;;) {
        int64_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n_parts)
            return NULL;
        lc_part *p = &j->parts[i];
        p->lin_len = 0; /* what a partition stopped before its search reports */
        memset(p->stats, 0, sizeof p->stats);
        int rc = lc_budget_stop(j->b, i);
        if (rc == 0)
            rc = lc_search(j->model, p, i, j->blob, j->atom_off, j->n_atoms, j->cb, j->b);
        else if (rc > 0)
            rc = LC_VERDICT_UNKNOWN; /* the deadline passed */
        settle(p, rc);
        if (p->result == LC_VERDICT_ILLEGAL) {
            int64_t cur = atomic_load(&j->b->first_illegal);
            while (i < cur && !atomic_compare_exchange_weak(&j->b->first_illegal, &cur, i))
                ;
        }
    }
}

int lc_check(int model, lc_part *parts, int64_t n_parts, const uint8_t *blob,
             const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb, const lc_options *opt,
             int64_t *first)
{
    if (!first || !opt || n_parts < 0 || (n_parts > 0 && !parts) || model < 0 ||
        model >= LC_N_MODELS)
        return LC_EINVAL;
    *first = -1;
    lc_budget b = {.limit = opt->max_memory,
                   .deadline = opt->timeout_s > 0 ? lc_now() + opt->timeout_s : 0,
                   .stop_at_illegal = opt->stop_at_illegal != 0};
    atomic_init(&b.used, 0);
    atomic_init(&b.first_illegal, INT64_MAX);
    struct job j = {model, parts, n_parts, blob, atom_off, n_atoms, cb, &b, 0};
    atomic_init(&j.next, 0);
    int64_t want = opt->workers > 1 ? opt->workers : 1;
    if (want > n_parts)
        want = n_parts;
    pthread_t tids[64];
    int64_t started = 0;
    for (; want > 1 && started < want && started < 64; started++)
        if (pthread_create(&tids[started], NULL, worker, &j) != 0)
            break; /* fewer threads: the calling thread works too */
    worker(&j);
    for (int64_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    int64_t err = -1, unknown = -1;
    for (int64_t i = 0; i < n_parts; i++) {
        int r = parts[i].result;
        if (r == LC_VERDICT_ILLEGAL) {
            *first = i;
            return LC_VERDICT_ILLEGAL;
        }
        if (r < 0 && err < 0)
            err = i;
        if (r == LC_VERDICT_UNKNOWN && unknown < 0)
            unknown = i;
    }
    if (err >= 0) {
        *first = err;
        return parts[err].result;
    }
    *first = unknown;
    return unknown >= 0 ? LC_VERDICT_UNKNOWN : LC_VERDICT_OK;
}

int lc_abi_version(void) { return LC_ABI_VERSION; }

const char *lc_strerror(int code)
{
    switch (code) {
    case LC_VERDICT_OK: return "linearizable";
    case LC_VERDICT_ILLEGAL: return "not linearizable";
    case LC_VERDICT_UNKNOWN: return "unknown";
    case LC_ENOMEM: return "out of memory";
    case LC_EINVAL: return "invalid encoded history";
    case LC_ECALLBACK: return "the model's step callback failed";
    case LC_ETOOBIG: return "history or state space too large";
    case LC_ELIMIT: return "memory limit reached";
    case LC_ECANCEL: return "cancelled";
    default: return "unknown error code";
    }
}

/* Appends "name=value " to buf (snprintf semantics: *len counts what would have been written). */
static void put(char *buf, size_t cap, size_t *len, const char *name, long value)
{
    int k = snprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, "%s=%ld ", name,
                     value);
    if (k > 0)
        *len += (size_t)k;
}

size_t lc_constants(char *buf, size_t cap)
{
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    put(buf, cap, &len, "abi", LC_ABI_VERSION);
#define LC_MODEL_PUT(name, id, text) put(buf, cap, &len, "model:" text, LC_##name);
    LC_MODELS(LC_MODEL_PUT)
#define LC_NAMED_PUT(name) put(buf, cap, &len, #name, name);
    LC_NAMED_CONSTANTS(LC_NAMED_PUT)
    return len;
}
