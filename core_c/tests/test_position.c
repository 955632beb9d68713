/* test_position.c — bskip_select, bskip_rank and bskip_scan_desc against a sorted reference.
 *
 * Maps of several node sizes and promotion probabilities (flat, default, tall), built by random
 * puts and deletes; after each phase every position, a sample of ranks (present and absent keys,
 * the int64 extremes) and descending scans of many ranges and capacities are compared with a
 * sorted array of the keys. Also: empty maps, out-of-range positions, bad arguments.
 */
#include <stdbool.h>
#include <string.h>

#include "test_util.h"

/* The reference: the map's keys, sorted (read by an ascending scan, itself tested elsewhere). */
static size_t reference(bskip *m, int64_t *ref, size_t cap) {
    int64_t n = bskip_scan_closed(m, INT64_MIN, INT64_MAX, ref, NULL, cap);
    CHECK(n >= 0 && (size_t)n == bskip_len(m), "reference scan %" PRId64, n);
    return (size_t)n;
}

static size_t count_below(const int64_t *ref, size_t n, int64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ref[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static void check_positions(bskip *m, const int64_t *ref, size_t n, rng *r) {
    int64_t k, v;
    for (size_t t = 0; t < 400 && t < n; t++) { /* both ends, then a random sample */
        size_t i = t < 40 ? t : t < 80 ? n - 1 - (t - 40) : (size_t)(rng_next(r) % n);
        CHECK(bskip_select(m, (int64_t)i, &k, &v) == BSKIP_OK && k == ref[i] && v == -k,
              "select(%zu) = %" PRId64 ", want %" PRId64, i, k, ref[i]);
        CHECK(bskip_select(m, -(int64_t)i - 1, &k, NULL) == BSKIP_OK && k == ref[n - 1 - i],
              "select(-%zu)", i + 1);
    }
    CHECK(bskip_select(m, (int64_t)n, &k, &v) == BSKIP_NOT_FOUND, "select(n) out of range");
    CHECK(bskip_select(m, -(int64_t)n - 1, &k, &v) == BSKIP_NOT_FOUND, "select(-n-1)");
    CHECK(bskip_select(m, INT64_MIN, NULL, NULL) == BSKIP_NOT_FOUND, "select(INT64_MIN)");
    CHECK(bskip_select(m, INT64_MAX, NULL, NULL) == BSKIP_NOT_FOUND, "select(INT64_MAX)");
    const int64_t extremes[] = {INT64_MIN, INT64_MAX, 0};
    for (size_t t = 0; t < 3 + 200; t++) {
        int64_t key = t < 3 ? extremes[t] : (t % 2 && n ? ref[rng_next(r) % n] : (int64_t)(rng_next(r) % 40000) - 20000);
        uint64_t rank = 99;
        int rc = bskip_rank(m, key, &rank);
        size_t want = count_below(ref, n, key);
        bool present = want < n && ref[want] == key;
        CHECK(rank == want && rc == (present ? BSKIP_OK : BSKIP_NOT_FOUND),
              "rank(%" PRId64 ") = %" PRIu64 " rc %d, want %zu", key, rank, rc, want);
    }
    static int64_t keys[4096], vals[4096];
    const size_t caps[] = {1, 2, 7, 64, 300, 4096};
    for (size_t t = 0; t < 60; t++) {
        int64_t a = (int64_t)(rng_next(r) % 44000) - 22000, b = (int64_t)(rng_next(r) % 44000) - 22000;
        int64_t lo = a < b ? a : b, hi = a < b ? b : a;
        if (t == 0) { lo = INT64_MIN; hi = INT64_MAX; }
        size_t cap = caps[t % 6];
        int64_t got = bskip_scan_desc(m, lo, hi, keys, vals, cap);
        size_t end = count_below(ref, n, hi) + (count_below(ref, n, hi) < n && ref[count_below(ref, n, hi)] == hi);
        size_t begin = count_below(ref, n, lo);
        size_t want = end - begin < cap ? end - begin : cap;
        CHECK(got == (int64_t)want, "scan_desc [%" PRId64 ", %" PRId64 "] cap %zu: %" PRId64 " keys, want %zu",
              lo, hi, cap, got, want);
        for (size_t i = 0; i < want; i++)
            CHECK(keys[i] == ref[end - 1 - i] && vals[i] == -keys[i], "scan_desc key %zu", i);
    }
}

static void run(size_t node_bytes, double p, uint64_t seed) {
    bskip_options o = {.node_bytes = node_bytes, .promote_prob = p, .seed = seed};
    bskip *m = NULL;
    CHECK(bskip_new(&m, &o) == BSKIP_OK, "new");
    static int64_t ref[40000];
    rng r = {seed};
    int64_t k;
    CHECK(bskip_select(m, 0, &k, NULL) == BSKIP_NOT_FOUND && bskip_select(m, -1, &k, NULL) == BSKIP_NOT_FOUND,
          "select on empty");
    uint64_t rank = 5;
    CHECK(bskip_rank(m, 3, &rank) == BSKIP_NOT_FOUND && rank == 0, "rank on empty");
    CHECK(bskip_scan_desc(m, INT64_MIN, INT64_MAX, ref, NULL, 10) == 0, "scan_desc on empty");
    for (int phase = 0; phase < 3; phase++) {
        for (int i = 0; i < 6000; i++) {
            int64_t key = (int64_t)(rng_next(&r) % 40000) - 20000;
            if (phase == 2 && i % 3) bskip_delete(m, key, NULL);
            else bskip_put(m, key, -key, NULL);
        }
        if (phase == 1) { bskip_put(m, INT64_MIN, -INT64_MAX, NULL); bskip_delete(m, INT64_MIN, NULL); }
        size_t n = reference(m, ref, 40000);
        for (size_t i = 1; i < n; i++) CHECK(ref[i - 1] < ref[i], "reference ascending");
        check_positions(m, ref, n, &r);
    }
    CHECK_VALID(m);
    bskip_free(m);
}

int main(void) {
    int64_t keys[4];
    uint64_t rank;
    CHECK(bskip_select(NULL, 0, NULL, NULL) == BSKIP_EINVAL, "select NULL map");
    CHECK(bskip_rank(NULL, 0, &rank) == BSKIP_EINVAL, "rank NULL map");
    CHECK(bskip_scan_desc(NULL, 0, 1, keys, NULL, 4) == BSKIP_EINVAL, "scan_desc NULL map");
    bskip *m = NULL;
    CHECK(bskip_new(&m, NULL) == BSKIP_OK, "new");
    CHECK(bskip_scan_desc(m, 5, 4, keys, NULL, 4) == BSKIP_EINVAL, "scan_desc lo > hi");
    CHECK(bskip_scan_desc(m, 0, 4, NULL, NULL, 4) == BSKIP_EINVAL, "scan_desc NULL keys");
    CHECK(bskip_scan_desc(m, 0, 4, NULL, NULL, 0) == 0, "scan_desc cap 0");
    bskip_free(m);
    run(256, 0.5, 11);  /* tall: many levels, small nodes */
    run(256, 0, 12);    /* default promotion */
    run(2048, 0, 13);   /* default node size */
    run(512, 0.001, 14); /* nearly flat: long level 0 runs between level-1 entries */
    puts("test_position: ok");
    return 0;
}
