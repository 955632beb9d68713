/* fuzz_api.c — libFuzzer differential target for the core_c public API (single-threaded).
 *
 * The input decodes (input.h) to map options and then a sequence of operations: put, get,
 * delete, put_if_absent, scan [lo, hi), scan_closed [lo, hi], floor, ceiling, put_many,
 * get_many, delete_many, runs of puts/deletes over arithmetic key sequences (to grow many nodes and
 * levels quickly), explicit validation, and "the next operation runs under the failing allocator"
 * (builds with -DBSKIP_FAILALLOC). Keys are small (dense collisions), extreme (INT64_MIN/MAX and
 * neighbours) or raw 64-bit.
 *
 * Oracle, cheap part, after EVERY operation: its status and every output (values, found keys,
 * scan contents, counts, *applied) equal those of refmodel.h, and bskip_len equals the model's
 * size. BSKIP_ENOMEM is accepted only from an operation that ran under the failing allocator and
 * whose injected failure really fired; anywhere else it is a finding. An operation that returns
 * BSKIP_ENOMEM must leave the map equal to the model before it (put_many: exactly its first
 * *applied pairs done, in the order bskip.h documents).
 * Oracle, full part, O(map size):
 *   check_all      bskip_validate (every structural invariant) + check_content; every
 *                  K = VALIDATE_EVERY = 64 operations, at the end of every input, and at an
 *                  explicit OP_VALIDATE (skipped when no operation ran since the last full check:
 *                  the map is the same);
 *   check_content  a closed scan of the whole map equal to the model; right after every
 *                  operation whose injected allocation failure fired (the map must be unchanged
 *                  by what the call did not report as done). The structure after such a call is
 *                  validated at the next K boundary or at the end of the input.
 * Any difference aborts with the operation's index and both answers, which libFuzzer records as
 * a crash. AddressSanitizer/UBSan (and LeakSanitizer at exit of each input) watch the memory.
 *
 * Cost (issue 13; before/after figures in fuzz/README.md). The target ran at ~165 execs/s: the
 * full check ran every 16 operations, after every operation under the failing allocator (fired
 * or not; validate of a promote_prob 0.9 map walks 32 levels) and at every OP_VALIDATE, and
 * mutated inputs grew to 10^4 keys (with 0.9, each key splits a node on ~9 levels). Now:
 *   - the schedule above, K = 64 (measured: K = 16 gives 8% fewer execs/s, K = 256 no more);
 *   - every input's work is bounded: at most MAX_OPS operations, MAX_WORK = 1024 keys touched
 *     (one per single-key call or scan, one per key of a run or batch) and MAX_ALLOC_BYTES = 1 MiB
 *     of node memory asked for by the core (allocations attempted, bskip_alloc_count, x
 *     node_bytes: tall towers and big nodes cost memory, not keys). The input ends at the
 *     operation that reaches a bound, so the map holds < MAX_WORK + MAX_BATCH keys and no input
 *     runs long (the corpus's largest input touched 9,965 keys). Replaying the committed corpus
 *     covers the same core edges with or without the bounds (with corpus/api/
 *     seed_scan_held_growth, a scan over more than 128 level-0 nodes within them), and the hang
 *     input of repro/ (240 keys, 1,161 allocations of 512 bytes: 0.57 MiB) still runs to its
 *     deletes;
 *   - the oracle's own code has no coverage instrumentation (ORACLE below);
 *   - the target's state, the model's arrays and the full-scan buffers are reused from input to
 *     input: no allocation per check or per input besides the map's own; the model shifts with
 *     memcpy, not ASan's slow memmove (refmodel.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bskip.h"
#include "bskip_testing.h"
#include "input.h"
#include "refmodel.h"

/* The oracle's own code (comparing answers, walking the model, driving a run key by key) carries
 * no coverage instrumentation (clang): its branches and comparisons mirror the map's, which the
 * core's coverage already reports; without their callbacks the target runs ~15% faster. Decoding
 * and dispatch (run_op, read_batch, the main loop) keep theirs. noinline: inlined into an
 * instrumented caller, the code would be instrumented there. Replaying the corpus covers the
 * same core edges with or without it. */
#if defined(__clang__)
#define ORACLE __attribute__((noinline, no_sanitize("coverage")))
#else
#define ORACLE
#endif

#define VALIDATE_EVERY 64 /* K: check_all at least every K operations (see the header) */
#define MAX_OPS 4096      /* operations per input */
#define MAX_WORK 1024     /* keys touched per input (see the header) */
#define MAX_ALLOC_BYTES (1u << 20) /* node memory the core asks for per input (see the header) */
#define MAX_BATCH 256     /* keys of one run or batch */
#define MAX_SCAN 600
#define MAX_KEYS (MAX_WORK + MAX_BATCH) /* bound on the map's size */

enum {
    OP_PUT, OP_GET, OP_DELETE, OP_PUT_IF_ABSENT, OP_SCAN, OP_SCAN_CLOSED, OP_FLOOR, OP_CEILING,
    OP_PUT_RUN, OP_DELETE_RUN, OP_PUT_MANY, OP_GET_MANY, OP_DELETE_MANY, OP_VALIDATE,
    OP_FAIL_NEXT, OP_SCAN_NULLS, OP_COUNT
};

typedef struct state {
    bskip *m;
    refmap ref;          /* capacity kept from input to input (ref_clear) */
    size_t opno;
    size_t since_check;  /* operations since the last check_all (a fresh map counts as one) */
    size_t work;         /* keys touched so far (MAX_WORK) */
    size_t alloc_bytes;  /* allocations the core attempted so far x node_bytes (MAX_ALLOC_BYTES) */
    size_t node_bytes;
    int64_t allocs_seen; /* bskip_alloc_count() when they were last counted */
    bool failing;        /* the current operation runs under the failing allocator */
    int enomem;          /* BSKIP_ENOMEM results of the current operation */
    int64_t scan_keys[MAX_SCAN + 1], scan_vals[MAX_SCAN + 1];
    int64_t all_keys[MAX_KEYS + 1], all_vals[MAX_KEYS + 1]; /* check_all's full scan */
} state;

static state the_state; /* one input at a time; static: no 260 KB calloc per input */

ORACLE static void die(const state *s, const char *what, int64_t a, int64_t b, int64_t got,
                       int64_t want) {
    fprintf(stderr, "fuzz_api: op %zu %s(%" PRId64 ", %" PRId64 "): got %" PRId64
            ", expected %" PRId64 " (model size %zu)\n", s->opno, what, a, b, got, want, s->ref.n);
    abort();
}

ORACLE static void expect(const state *s, const char *what, int64_t a, int64_t b, int64_t got,
                   int64_t want) {
    if (got != want) die(s, what, a, b, got, want);
}

/* The map's whole content equals the model: a closed scan of everything, asking for one pair more
 * than the model has, so that an invented key shows as a count mismatch. O(keys). */
ORACLE static void check_content(state *s) {
    expect(s, "len", 0, 0, (int64_t)bskip_len(s->m), (int64_t)s->ref.n);
    if (s->ref.n > MAX_KEYS)
        die(s, "model larger than MAX_KEYS", 0, 0, (int64_t)s->ref.n, MAX_KEYS);
    size_t cap = s->ref.n + 1;
    int64_t n = bskip_scan_closed(s->m, INT64_MIN, INT64_MAX, s->all_keys, s->all_vals, cap);
    expect(s, "full scan count", 0, 0, n, (int64_t)s->ref.n);
    if (s->ref.n > 0 && (memcmp(s->all_keys, s->ref.keys, s->ref.n * sizeof(int64_t)) != 0 ||
                         memcmp(s->all_vals, s->ref.vals, s->ref.n * sizeof(int64_t)) != 0)) {
        for (size_t i = 0; i < s->ref.n; i++) { /* name the first difference */
            expect(s, "full scan key", (int64_t)i, 0, s->all_keys[i], s->ref.keys[i]);
            expect(s, "full scan value", s->all_keys[i], 0, s->all_vals[i], s->ref.vals[i]);
        }
    }
}

/* Every structural invariant holds (O(nodes + entries on all levels)) and the content equals the
 * model. */
ORACLE static void check_all(state *s) {
    char msg[256];
    s->since_check = 0;
    int rc = bskip_validate(s->m, msg, sizeof msg);
    if (rc != BSKIP_OK) {
        fprintf(stderr, "fuzz_api: op %zu: validate: %s\n", s->opno, msg);
        abort();
    }
    check_content(s);
}

/* A call returned BSKIP_ENOMEM: legitimate only under the failing allocator (run_op_failing then
 * checks that the injected failure fired); the caller leaves the model as it was. */
ORACLE static void saw_enomem(state *s, const char *what, int64_t a, int64_t b) {
    if (!s->failing) die(s, what, a, b, BSKIP_ENOMEM, 0); /* "expected" 0: no ENOMEM at all */
    s->enomem++;
}

static int64_t value_for(const state *s, int64_t key) {
    return key ^ (int64_t)((uint64_t)(s->opno + 1) * 0x9E3779B97F4A7C15ull);
}

ORACLE static void do_put(state *s, int64_t key, int64_t val, bool if_absent) {
    int64_t out = 0x7777, want_old = 0;
    bool had = ref_get(&s->ref, key, &want_old);
    s->work++;
    int rc = if_absent ? bskip_put_if_absent(s->m, key, val, &out) : bskip_put(s->m, key, val, &out);
    if (rc == BSKIP_ENOMEM) { /* the caller checks that the map is unchanged */
        saw_enomem(s, if_absent ? "put_if_absent ENOMEM" : "put ENOMEM", key, val);
        return;
    }
    if (!had) {
        expect(s, if_absent ? "put_if_absent rc" : "put rc", key, val, rc, BSKIP_INSERTED);
        ref_put(&s->ref, key, val);
        return;
    }
    expect(s, if_absent ? "put_if_absent rc" : "put rc", key, val, rc,
           if_absent ? BSKIP_OK : BSKIP_REPLACED);
    expect(s, "put old value", key, val, out, want_old);
    if (!if_absent) ref_put(&s->ref, key, val);
}

ORACLE static void do_get(state *s, int64_t key) {
    int64_t got = 0x7777, want = 0;
    bool had = ref_get(&s->ref, key, &want);
    s->work++;
    int rc = bskip_get(s->m, key, &got);
    expect(s, "get rc", key, 0, rc, had ? BSKIP_OK : BSKIP_NOT_FOUND);
    if (had) expect(s, "get value", key, 0, got, want);
}

ORACLE static void do_delete(state *s, int64_t key) {
    int64_t got = 0x7777, want = 0;
    bool had = ref_delete(&s->ref, key, &want);
    s->work++;
    int rc = bskip_delete(s->m, key, &got);
    expect(s, "delete rc", key, 0, rc, had ? BSKIP_OK : BSKIP_NOT_FOUND);
    if (had) expect(s, "delete old value", key, 0, got, want);
}

ORACLE static void do_scan(state *s, int64_t lo, int64_t hi, size_t cap, bool closed,
                           bool no_values) {
    int64_t *vals = no_values ? NULL : s->scan_vals;
    int64_t n = closed ? bskip_scan_closed(s->m, lo, hi, s->scan_keys, vals, cap)
                       : bskip_scan(s->m, lo, hi, s->scan_keys, vals, cap);
    s->work++;
    if (n == BSKIP_ENOMEM) {
        saw_enomem(s, closed ? "scan_closed ENOMEM" : "scan ENOMEM", lo, hi);
        return;
    }
    if (lo > hi) {
        expect(s, "scan of lo > hi", lo, hi, n, BSKIP_EINVAL);
        return;
    }
    size_t first, count = ref_range(&s->ref, lo, hi, closed, &first);
    if (count > cap) count = cap;
    expect(s, closed ? "scan_closed count" : "scan count", lo, hi, n, (int64_t)count);
    for (size_t i = 0; i < count; i++) {
        expect(s, "scan key", lo, hi, s->scan_keys[i], s->ref.keys[first + i]);
        if (!no_values) expect(s, "scan value", lo, hi, s->scan_vals[i], s->ref.vals[first + i]);
    }
}

ORACLE static void do_scan_nulls(state *s, int64_t lo, int64_t hi, uint8_t mode) {
    /* keys == NULL is valid only with cap == 0; cap == 0 always returns 0 (or EINVAL). */
    size_t cap = mode & 1;
    int64_t n = (mode & 2) ? bskip_scan_closed(s->m, lo, hi, NULL, NULL, cap)
                           : bskip_scan(s->m, lo, hi, NULL, NULL, cap);
    expect(s, "scan with keys NULL", lo, hi, n, (lo > hi || cap > 0) ? BSKIP_EINVAL : 0);
}

ORACLE static void do_floor_ceiling(state *s, int64_t key, bool floor) {
    int64_t k = 0x7777, v = 0x7777;
    s->work++;
    int rc = floor ? bskip_floor(s->m, key, &k, &v) : bskip_ceiling(s->m, key, &k, &v);
    if (rc == BSKIP_ENOMEM) {
        saw_enomem(s, floor ? "floor ENOMEM" : "ceiling ENOMEM", key, 0);
        return;
    }
    size_t i = ref_lower(&s->ref, key);
    bool exact = i < s->ref.n && s->ref.keys[i] == key;
    ptrdiff_t at = floor ? (exact ? (ptrdiff_t)i : (ptrdiff_t)i - 1) : (ptrdiff_t)i;
    bool have = at >= 0 && (size_t)at < s->ref.n;
    const char *what = floor ? "floor" : "ceiling";
    expect(s, what, key, 0, rc, have ? BSKIP_OK : BSKIP_NOT_FOUND);
    if (!have) return;
    expect(s, what, key, 1, k, s->ref.keys[at]);
    expect(s, what, key, 2, v, s->ref.vals[at]);
}

/* A run of `count` keys start, start+step, ... (wrapping in uint64), put or deleted one by one. */
ORACLE static void do_run(state *s, input *in, bool put) {
    int64_t key = input_key(in);
    unsigned count = input_u8(in) + 1u;
    uint64_t step = (uint64_t)input_u8(in) + 1u;
    if (input_u8(in) & 1) step = (uint64_t)0 - step; /* descending runs too */
    for (unsigned i = 0; i < count; i++, key = (int64_t)((uint64_t)key + step)) {
        if (put) do_put(s, key, value_for(s, key), false);
        else do_delete(s, key);
    }
}

/* A batch of keys: listed one by one (up to 40), an arithmetic run of up to 256 (step may be 0 or
 * negative: duplicates, descending), or a modular run (unsorted, with duplicates). Runs of 64 and
 * more take put_many's sorting and ascending-run paths (batch.c). */
ORACLE static void fill_batch(const state *s, int64_t *keys, int64_t *vals, size_t n, int64_t start,
                              uint64_t step, uint64_t mod) {
    if (step != 0 || mod != 0) /* an arithmetic or modular run; else the keys are already read */
        for (size_t i = 0; i < n; i++) keys[i] = (int64_t)((uint64_t)start + (i * step) % mod);
    for (size_t i = 0; i < n; i++) vals[i] = value_for(s, keys[i]) + (int64_t)i;
}

static size_t read_batch(state *s, input *in, int64_t *keys, int64_t *vals) {
    uint8_t form = input_u8(in) % 3;
    size_t n;
    int64_t start = 0;
    uint64_t step = 0, mod = 0;
    if (form == 0) {
        n = input_u8(in) % 41;
        for (size_t i = 0; i < n; i++) keys[i] = input_key(in);
    } else {
        start = input_key(in);
        n = (size_t)input_u8(in) + 1;
        step = (uint64_t)(int64_t)(int8_t)input_u8(in);
        mod = form == 2 ? (uint64_t)input_u8(in) + 1 : UINT64_MAX;
    }
    fill_batch(s, keys, vals, n, start, step, mod);
    s->work += n;
    return n;
}

/* put_many's batch in the order batch.c applies a sorted batch: ascending distinct keys, the last
 * pair of each key winning. Writes the chosen pair indices into order[], returns their count. */
static const int64_t *sort_keys; /* by_key_then_index's batch (one input at a time) */

ORACLE static int by_key_then_index(const void *a, const void *b) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (sort_keys[i] != sort_keys[j]) return sort_keys[i] < sort_keys[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

ORACLE static size_t sorted_distinct(const int64_t *keys, size_t n, size_t *order) {
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_keys = keys;
    qsort(order, n, sizeof *order, by_key_then_index); /* (key, index): a total order */
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (i + 1 == n || keys[order[i + 1]] != keys[order[i]]) order[u++] = order[i];
    return u;
}

ORACLE static bool strictly_ascending(const int64_t *keys, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (keys[i - 1] >= keys[i]) return false;
    return true;
}

/* After put_many returned BSKIP_ENOMEM with *applied = applied, bskip.h (since eb6bcd5) says:
 * *applied counts the pairs written, a prefix of the order of application — index order for
 * batches of < 64 pairs or strictly ascending ones, ascending order of the distinct keys (last
 * pair wins) for the others, which are sorted. The model applies exactly that prefix; the map
 * must then equal it (the caller's check_all compares). */
ORACLE static void put_many_enomem(state *s, const int64_t *keys, const int64_t *vals, size_t n,
                            size_t applied) {
    if (applied > n) die(s, "put_many applied > n", (int64_t)n, 0, (int64_t)applied, (int64_t)n);
    if (n < 64 || strictly_ascending(keys, n)) {
        for (size_t i = 0; i < applied; i++) ref_put(&s->ref, keys[i], vals[i]);
        return;
    }
    size_t order[MAX_BATCH];
    size_t u = sorted_distinct(keys, n, order);
    if (applied > u) die(s, "put_many applied > distinct keys", (int64_t)u, 0, (int64_t)applied, (int64_t)u);
    for (size_t i = 0; i < applied; i++) ref_put(&s->ref, keys[order[i]], vals[order[i]]);
}

ORACLE static void do_put_many(state *s, const int64_t *keys, const int64_t *vals, size_t n) {
    size_t applied = 12345;
    int64_t rc = bskip_put_many(s->m, keys, vals, n, &applied);
    if (rc == BSKIP_ENOMEM) {
        saw_enomem(s, "put_many ENOMEM", (int64_t)n, (int64_t)applied);
        put_many_enomem(s, keys, vals, n, applied);
        return;
    }
    expect(s, "put_many applied", (int64_t)n, 0, (int64_t)applied, (int64_t)n);
    int64_t fresh = 0;
    for (size_t i = 0; i < n; i++) fresh += ref_put(&s->ref, keys[i], vals[i]);
    expect(s, "put_many new keys", (int64_t)n, 0, rc, fresh);
}

ORACLE static void do_get_many(state *s, const int64_t *keys, size_t n) {
    int64_t got[MAX_BATCH];
    uint8_t found[MAX_BATCH];
    for (size_t i = 0; i < n; i++) got[i] = 0x7777;
    int64_t rc = bskip_get_many(s->m, keys, got, found, n), want_found = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t want = 0x7777;
        bool had = ref_get(&s->ref, keys[i], &want);
        want_found += had;
        expect(s, "get_many found", keys[i], 0, found[i], had);
        expect(s, "get_many value", keys[i], 0, got[i], want);
    }
    expect(s, "get_many count", (int64_t)n, 0, rc, want_found);
}

ORACLE static void do_delete_many(state *s, const int64_t *keys, size_t n) {
    int64_t old;
    int64_t rc = bskip_delete_many(s->m, keys, n), want = 0;
    for (size_t i = 0; i < n; i++) want += ref_delete(&s->ref, keys[i], &old);
    expect(s, "delete_many count", (int64_t)n, 0, rc, want);
}

static void run_op(state *s, input *in, unsigned op) {
    int64_t a, b, keys[MAX_BATCH], vals[MAX_BATCH];
    size_t n;
    switch (op) {
    case OP_PUT: a = input_key(in); do_put(s, a, value_for(s, a), false); break;
    case OP_PUT_IF_ABSENT: a = input_key(in); do_put(s, a, value_for(s, a), true); break;
    case OP_GET: do_get(s, input_key(in)); break;
    case OP_DELETE: do_delete(s, input_key(in)); break;
    case OP_SCAN:
    case OP_SCAN_CLOSED: {
        a = input_key(in);
        b = input_key(in);
        uint8_t c = input_u8(in);
        size_t cap = c < 250 ? c : (size_t)MAX_SCAN;
        do_scan(s, a, b, cap, op == OP_SCAN_CLOSED, (c & 7) == 3);
        break;
    }
    case OP_SCAN_NULLS: a = input_key(in); b = input_key(in); do_scan_nulls(s, a, b, input_u8(in)); break;
    case OP_FLOOR: do_floor_ceiling(s, input_key(in), true); break;
    case OP_CEILING: do_floor_ceiling(s, input_key(in), false); break;
    case OP_PUT_RUN: do_run(s, in, true); break;
    case OP_DELETE_RUN: do_run(s, in, false); break;
    case OP_PUT_MANY: n = read_batch(s, in, keys, vals); do_put_many(s, keys, vals, n); break;
    case OP_GET_MANY: n = read_batch(s, in, keys, vals); do_get_many(s, keys, n); break;
    case OP_DELETE_MANY: n = read_batch(s, in, keys, vals); do_delete_many(s, keys, n); break;
    default: break;
    }
}

/* Counts the allocations that the core attempted since the last count: bskip_alloc_count counts
 * them since the last bskip_failalloc_set in -DBSKIP_FAILALLOC builds (every fuzz and replay
 * build); elsewhere it is negative and only keys are bounded. */
ORACLE static void count_allocs(state *s) {
    int64_t c = bskip_alloc_count();
    if (c > s->allocs_seen) s->alloc_bytes += (size_t)(c - s->allocs_seen) * s->node_bytes;
    s->allocs_seen = c;
}

/* Runs one operation with its nth allocation failing. Returns whether that failure fired (the op
 * attempted >= nth allocations); the caller then runs check_all: the map must still equal the
 * model (which the op updated only for what it reports as done) and be valid. When it did not
 * fire, the op ran exactly as run_op would have, and its cheap checks are the whole story. */
static bool run_op_failing(state *s, input *in, unsigned op, int64_t nth, int sticky) {
    s->failing = true;
    bskip_failalloc_set(nth, sticky);
    run_op(s, in, op);
    bool fired = bskip_alloc_count() >= nth;
    count_allocs(s);
    bskip_failalloc_set(0, 0);
    s->allocs_seen = 0;
    s->failing = false;
    if (s->enomem > 0 && !fired)
        die(s, "ENOMEM, but the injected failure never fired", nth, 0, s->enomem, 0);
    return fired;
}

static const size_t node_sizes[8] = {256, 256, 272, 320, 512, 1024, 2048, 4096};
static const double promote[4] = {0.0, 0.5, 0.25, 0.9};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size, 0};
    bskip_options o = {0};
    uint8_t h0 = input_u8(&in), h1 = input_u8(&in);
    o.node_bytes = node_sizes[h0 & 7];
    o.promote_prob = promote[(h0 >> 3) & 3];
    o.seed = h1;
    bool can_fail = (bskip_testing_features() & BSKIP_FEATURE_FAILALLOC) != 0;

    state *s = &the_state;
    s->m = NULL;
    s->opno = s->work = s->alloc_bytes = 0;
    s->node_bytes = o.node_bytes;
    s->since_check = 1;
    s->failing = false;
    s->enomem = 0;
    ref_clear(&s->ref);
    if (can_fail && (h0 >> 5) == 7) { /* bskip_new itself under a failing allocation */
        bskip_failalloc_set(1 + (h1 & 31), 0);
        int rc = bskip_new(&s->m, &o);
        bskip_failalloc_set(0, 0);
        if (rc == BSKIP_ENOMEM && s->m != NULL) die(s, "bskip_new ENOMEM left *out set", 0, 0, 1, 0);
        bskip_free(s->m);
        s->m = NULL;
    }
    if (bskip_new(&s->m, &o) != BSKIP_OK) abort();
    bskip_failalloc_set(0, 0); /* the map's own allocations are not charged */
    s->allocs_seen = 0;
    expect(s, "put(NULL map)", 0, 0, bskip_put(NULL, 1, 1, NULL), BSKIP_EINVAL);

    for (s->opno = 0; !input_done(&in) && s->opno < MAX_OPS && s->work < MAX_WORK &&
                      s->alloc_bytes < MAX_ALLOC_BYTES;
         s->opno++) {
        unsigned op = input_u8(&in) % OP_COUNT;
        bool fired = false;
        s->enomem = 0;
        if (op == OP_VALIDATE) {
            if (s->since_check > 0) check_all(s);
            continue;
        }
        if (op == OP_FAIL_NEXT) {
            uint8_t f = input_u8(&in);
            unsigned next = input_u8(&in) % OP_COUNT;
            if (next == OP_FAIL_NEXT || next == OP_VALIDATE) continue;
            if (can_fail) fired = run_op_failing(s, &in, next, 1 + (f & 15), f >> 7);
            else run_op(s, &in, next);
        } else {
            run_op(s, &in, op);
        }
        count_allocs(s);
        expect(s, "len", 0, 0, (int64_t)bskip_len(s->m), (int64_t)s->ref.n);
        s->since_check++;
        if (s->since_check >= VALIDATE_EVERY) check_all(s);
        else if (fired) check_content(s); /* validate: at the next K boundary or the end */
    }
    if (s->since_check > 0) check_all(s); /* else nothing ran since the last one */
    bskip_free(s->m);
    s->m = NULL;
    return 0;
}
