/* test_oom.c — out-of-memory test: under an allocator that fails the k-th allocation, every
 * bskip_* call returns BSKIP_ENOMEM or succeeds, and a call that returns BSKIP_ENOMEM leaves the
 * map valid and unchanged (bskip_put_many: exactly its first *applied pairs done).
 *
 * Runs in `make -C core_c trace` (the instrumented build, whose allocator can fail), and in
 * `make -C core_c/fuzz oom` against a -DBSKIP_FAILALLOC build with ASan+UBSan, so that a leak or a
 * bad access on any failure path is reported too.
 *
 * Method (as SQLite's malloc tests): a fixed, seeded workload — bskip_new, then a mix of puts of
 * new and existing keys (small and extreme), put_if_absent, deletes, gets, scans long enough to
 * hold more than 64 nodes (the scan's heap-grown lock set), floor/ceiling and batch calls — is run
 * once with no failure to count its allocations, N. Then for every k in 1..N it is run again from
 * scratch with allocation k failing, once with only that one failing and once "sticky" (k and
 * every later one failing). The runs are deterministic (fresh map, same seed, per-thread spare
 * nodes released by bskip_free), so run k reaches allocation k in the same call as the count run.
 * After every call the result is compared with a reference model (refmodel.h) that applies only
 * what the call reports done; after every call that returned BSKIP_ENOMEM, bskip_validate must pass
 * and a full scan must equal the model. At the end of each run the map is compared again and
 * freed (LeakSanitizer then checks nothing leaked). A failure exits 1 naming k, the mode, the call.
 * A run in which allocation k was reached but no call failed and no result differed is also fine
 * ("or succeeds"); the summary line counts both outcomes.
 */
#include <stdbool.h>

#include "../fuzz/refmodel.h"
#include "bskip_testing.h"
#include "test_util.h"

#define WORKLOAD_OPS 900
#define SCAN_CAP 2048

typedef struct run_ctx {
    int64_t k;       /* the failing allocation, 0 = none */
    bool sticky;
    int op;          /* index of the current call */
    long enomem;     /* calls that returned BSKIP_ENOMEM */
} run_ctx;

/* Which call returned BSKIP_ENOMEM, summed over all runs (the summary line prints them). */
enum { F_NONE, F_NEW, F_PUT, F_PUT_IF_ABSENT, F_SCAN, F_FLOOR_CEILING, F_PUT_MANY, F_KINDS };
static const char *const kind_names[F_KINDS] = {"", "new", "put", "put_if_absent", "scan",
                                                 "floor/ceiling", "put_many"};
static long enomem_by_kind[F_KINDS];

static int64_t scan_k[SCAN_CAP], scan_v[SCAN_CAP];

/* CHECK with the run's k, mode and call index in front of the message. */
#define OCHECK(ctx, cond, ...)                                                             \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: k=%" PRId64 " %s op %d: CHECK failed: %s: ", __FILE__,  \
                    __LINE__, (ctx)->k, (ctx)->sticky ? "sticky" : "once", (ctx)->op, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                  \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

/* Validates m and compares all of it with the model, with the allocator healthy for the scan. */
static void check_same(run_ctx *c, bskip *m, const refmap *r) {
    char msg[256];
    int64_t saved = bskip_alloc_count();
    bskip_failalloc_set(0, 0);
    int rc = bskip_validate(m, msg, sizeof msg);
    CHECK(rc == BSKIP_OK, "k=%" PRId64 " op %d: validate after ENOMEM: %s", c->k, c->op, msg);
    CHECK(bskip_len(m) == r->n, "k=%" PRId64 " op %d: len %zu != %zu", c->k, c->op, bskip_len(m), r->n);
    int64_t n = bskip_scan_closed(m, INT64_MIN, INT64_MAX, scan_k, scan_v, SCAN_CAP);
    CHECK(n == (int64_t)r->n, "k=%" PRId64 " op %d: full scan %" PRId64 " != %zu", c->k, c->op, n, r->n);
    for (size_t i = 0; i < r->n; i++)
        CHECK(scan_k[i] == r->keys[i] && scan_v[i] == r->vals[i],
              "k=%" PRId64 " op %d: entry %zu differs", c->k, c->op, i);
    /* resume the failure schedule where it was (the count restarts; shift k accordingly) */
    if (c->k > saved) bskip_failalloc_set(c->k - saved, c->sticky);
    else if (c->sticky) bskip_failalloc_set(1, 1);
}

static int64_t pick_key(rng *g) {
    static const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 0, -1};
    if (rng_below(g, 16) == 0) return extremes[rng_below(g, 6)];
    return (int64_t)rng_below(g, 1600) - 800;
}

/* One call of the workload, checked against the model. Returns the F_* kind of the call when it
 * reported BSKIP_ENOMEM, F_NONE otherwise. */
static int one_call(run_ctx *c, bskip *m, refmap *r, rng *g) {
    int64_t key = pick_key(g), val = (int64_t)rng_next(g), out = 0x7777, want = 0;
    unsigned what = (unsigned)rng_below(g, c->op < 500 ? 4 : 12); /* grow first, then mix */
    bool had = ref_get(r, key, &want);
    int rc;
    switch (what) {
    case 0: case 1: case 2: /* put */
        rc = bskip_put(m, key, val, &out);
        if (rc == BSKIP_ENOMEM) return F_PUT;
        OCHECK(c, rc == (had ? BSKIP_REPLACED : BSKIP_INSERTED) && (!had || out == want), "put %" PRId64 " rc %d\n", key, rc);
        ref_put(r, key, val);
        return F_NONE;
    case 3: case 4: /* put_if_absent */
        rc = bskip_put_if_absent(m, key, val, &out);
        if (rc == BSKIP_ENOMEM) return F_PUT_IF_ABSENT;
        OCHECK(c, rc == (had ? BSKIP_OK : BSKIP_INSERTED) && (!had || out == want), "put_if_absent rc %d\n", rc);
        if (!had) ref_put(r, key, val);
        return F_NONE;
    case 5: case 6: /* delete */
        rc = bskip_delete(m, key, &out);
        OCHECK(c, rc == (had ? BSKIP_OK : BSKIP_NOT_FOUND) && (!had || out == want), "delete rc %d\n", rc);
        if (had) ref_delete(r, key, &want);
        return F_NONE;
    case 7: /* get */
        rc = bskip_get(m, key, &out);
        OCHECK(c, rc == (had ? BSKIP_OK : BSKIP_NOT_FOUND) && (!had || out == want), "get rc %d\n", rc);
        return F_NONE;
    case 8: case 9: { /* long scan (holds every level-0 node of the map) or closed scan */
        size_t first, count = ref_range(r, INT64_MIN, key, what == 9, &first);
        int64_t n = what == 9 ? bskip_scan_closed(m, INT64_MIN, key, scan_k, scan_v, SCAN_CAP)
                              : bskip_scan(m, INT64_MIN, key, scan_k, scan_v, SCAN_CAP);
        if (n == BSKIP_ENOMEM) return F_SCAN;
        OCHECK(c, n == (int64_t)count, "scan %" PRId64 " != %zu\n", n, count);
        for (size_t i = 0; i < count; i++)
            OCHECK(c, scan_k[i] == r->keys[first + i] && scan_v[i] == r->vals[first + i], "scan entry %zu\n", i);
        return F_NONE;
    }
    case 10: { /* floor and ceiling */
        int64_t fk = 0, ck = 0;
        size_t i = ref_lower(r, key);
        int rf = bskip_floor(m, key, &fk, NULL), rcl = bskip_ceiling(m, key, &ck, NULL);
        if (rf == BSKIP_ENOMEM || rcl == BSKIP_ENOMEM) return F_FLOOR_CEILING;
        bool fexp = had || i > 0;
        OCHECK(c, rf == (fexp ? BSKIP_OK : BSKIP_NOT_FOUND) && (!fexp || fk == r->keys[had ? i : i - 1]), "floor\n");
        OCHECK(c, rcl == (i < r->n ? BSKIP_OK : BSKIP_NOT_FOUND) && (i == r->n || ck == r->keys[i]), "ceiling\n");
        return F_NONE;
    }
    default: { /* put_many of 8 pairs, then delete_many of 3 keys */
        int64_t ks[8], vs[8];
        size_t applied = 99;
        for (int i = 0; i < 8; i++) {
            ks[i] = pick_key(g);
            vs[i] = (int64_t)rng_next(g);
        }
        int64_t n = bskip_put_many(m, ks, vs, 8, &applied);
        size_t upto = n == BSKIP_ENOMEM ? applied : 8;
        OCHECK(c, upto <= 8 && (n == BSKIP_ENOMEM || applied == 8), "put_many applied %zu\n", applied);
        int64_t fresh = 0;
        for (size_t i = 0; i < upto; i++) fresh += ref_put(r, ks[i], vs[i]);
        if (n == BSKIP_ENOMEM) return F_PUT_MANY;
        OCHECK(c, n == fresh, "put_many new %" PRId64 " != %" PRId64 "\n", n, fresh);
        n = bskip_delete_many(m, ks, 3);
        int64_t gone = 0;
        for (int i = 0; i < 3; i++) gone += ref_delete(r, ks[i], &out);
        OCHECK(c, n == gone, "delete_many %" PRId64 " != %" PRId64 "\n", n, gone);
        return F_NONE;
    }
    }
}

/* Runs the whole workload with allocation k failing (k == 0: none). Returns the allocations made. */
static int64_t run_workload(run_ctx *c) {
    rng g = {0xC0FFEE};
    refmap r = {0};
    bskip_options o = {.node_bytes = 256, .promote_prob = 0.5, .seed = 42};
    bskip *m = NULL;
    bskip_failalloc_set(c->k, c->sticky);
    c->op = -1;
    int rc = bskip_new(&m, &o);
    if (rc == BSKIP_ENOMEM) {
        CHECK(m == NULL, "k=%" PRId64 ": bskip_new failed but set *out", c->k);
        c->enomem++;
        enomem_by_kind[F_NEW]++;
        rc = bskip_new(&m, &o); /* again, with the schedule still on */
        if (rc == BSKIP_ENOMEM) {
            CHECK(c->sticky, "k=%" PRId64 ": bskip_new failed twice without sticky", c->k);
            bskip_failalloc_set(0, 0);
            return 0;
        }
    }
    CHECK(rc == BSKIP_OK, "k=%" PRId64 ": bskip_new rc %d", c->k, rc);
    for (c->op = 0; c->op < WORKLOAD_OPS; c->op++) {
        int kind = one_call(c, m, &r, &g);
        if (kind != F_NONE) {
            CHECK(c->k > 0, "op %d: ENOMEM with no failure injected", c->op);
            c->enomem++;
            enomem_by_kind[kind]++;
            check_same(c, m, &r);
        }
    }
    int64_t allocs = bskip_alloc_count();
    c->op = WORKLOAD_OPS;
    bskip_failalloc_set(0, 0);
    check_same(c, m, &r);
    bskip_free(m);
    ref_free(&r);
    return allocs;
}

int main(void) {
    run_ctx clean = {0};
    int64_t total = run_workload(&clean);
    CHECK(total > 100, "the workload made only %" PRId64 " allocations", total);
    long step = test_scale(), runs = 0, enomem_runs = 0;
    for (int64_t k = 1; k <= total; k += step) {
        for (int sticky = 0; sticky <= 1; sticky++) {
            run_ctx c = {.k = k, .sticky = sticky != 0};
            run_workload(&c);
            runs++;
            enomem_runs += c.enomem > 0;
        }
    }
    printf("test_oom: workload of %d calls makes %" PRId64 " allocations; k = 1..%" PRId64
           " (step %ld), %ld runs, %ld saw BSKIP_ENOMEM, all valid and unchanged\n",
           WORKLOAD_OPS, total, total, step, runs, enomem_runs);
    printf("test_oom: BSKIP_ENOMEM returned by");
    for (int i = F_NEW; i < F_KINDS; i++) printf(" %s: %ld%s", kind_names[i], enomem_by_kind[i], i + 1 < F_KINDS ? "," : "\n");
    return 0;
}
