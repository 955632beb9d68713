/* test_sequential.c — differential test of the map against a simple reference, single-threaded.
 *
 * What is generated: random put/get/delete/scan operations (more than 10^6 in all) over a fixed
 * domain of distinct keys that includes INT64_MIN, INT64_MAX, -1, 0 and 1 and is otherwise spread
 * over the whole int64 range; several node sizes and promotion probabilities (tiny nodes and tall
 * towers to force splits, overflow splits, merges and unlinks often).
 * What is checked: every result (status, returned value, old value, scan keys and values) equals
 * the reference's — a sorted domain with a presence bit and value per key — and bskip_validate
 * passes after every batch of 5000 operations and at the end; len matches.
 * Why a bug cannot hide: any operation whose effect or answer differs from a sequential map shows
 * up either in its own result or, for a structural slip, in the next validate.
 */
#include <stdbool.h>
#include <string.h>

#include "test_util.h"

#define DOMAIN 4096
#define SCAN_CAP 300

static int64_t domain[DOMAIN];
static unsigned char present[DOMAIN];
static int64_t value_of[DOMAIN];

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void make_domain(rng *r) {
    const int64_t fixed[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) domain[n++] = fixed[i];
    while (n < DOMAIN) {
        int64_t k = (int64_t)rng_next(r);
        if (n % 3 == 0) k %= 100000; /* a dense cluster around 0 */
        domain[n++] = k;
    }
    qsort(domain, DOMAIN, sizeof domain[0], cmp_i64);
    size_t w = 1; /* dedupe (refill is unnecessary: a few duplicates only shrink the domain) */
    for (size_t i = 1; i < DOMAIN; i++)
        if (domain[i] != domain[w - 1]) domain[w++] = domain[i];
    for (size_t i = w; i < DOMAIN; i++) domain[i] = domain[w - 1]; /* padding repeats the max */
}

/* first index with domain[i] >= key */
static size_t lower_index(int64_t key) {
    size_t lo = 0, hi = DOMAIN;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (domain[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static void run(const char *name, size_t node_bytes, double p, long ops, size_t hot, uint64_t seed) {
    rng r = {seed};
    bskip_options o = {.node_bytes = node_bytes, .promote_prob = p, .seed = seed};
    bskip *m;
    CHECK(bskip_new(&m, &o) == BSKIP_OK, "new");
    memset(present, 0, sizeof present);
    size_t len = 0;
    int64_t keys[SCAN_CAP], vals[SCAN_CAP];
    for (long op = 0; op < ops; op++) {
        size_t i = (size_t)rng_below(&r, hot); /* hot: how much of the domain is in play */
        if (i > 0 && domain[i] == domain[i - 1]) continue; /* padding */
        int64_t k = domain[i], got = 0;
        unsigned kind = (unsigned)rng_below(&r, 100);
        if (kind < 45) {
            int64_t v = (int64_t)rng_next(&r), old = 0;
            int rc = bskip_put(m, k, v, &old);
            CHECK(rc == (present[i] ? BSKIP_REPLACED : BSKIP_INSERTED), "%s op %ld put rc %d", name, op, rc);
            if (present[i]) CHECK(old == value_of[i], "%s op %ld put old value", name, op);
            else len++;
            present[i] = 1;
            value_of[i] = v;
        } else if (kind < 75) {
            int rc = bskip_delete(m, k, &got);
            CHECK(rc == (present[i] ? BSKIP_OK : BSKIP_NOT_FOUND), "%s op %ld delete %" PRId64 " rc %d", name, op, k, rc);
            if (present[i]) {
                CHECK(got == value_of[i], "%s op %ld delete old value", name, op);
                len--;
            }
            present[i] = 0;
        } else if (kind < 92) {
            int rc = bskip_get(m, k, &got);
            CHECK(rc == (present[i] ? BSKIP_OK : BSKIP_NOT_FOUND), "%s op %ld get %" PRId64 " rc %d", name, op, k, rc);
            if (present[i]) CHECK(got == value_of[i], "%s op %ld get value", name, op);
        } else if (kind < 95) {
            /* floor / ceiling of a domain key or a neighbour value */
            int64_t q = rng_below(&r, 2) || k == INT64_MAX ? k : k + 1, fk = 0, fv = 0;
            size_t d = lower_index(q); /* first domain index >= q */
            size_t c = d;
            while (c < DOMAIN && (!present[c] || (c > 0 && domain[c] == domain[c - 1]))) c++;
            int rc = bskip_ceiling(m, q, &fk, &fv);
            CHECK(rc == (c < DOMAIN ? BSKIP_OK : BSKIP_NOT_FOUND), "%s op %ld ceiling rc", name, op);
            if (c < DOMAIN) CHECK(fk == domain[c] && fv == value_of[c], "%s op %ld ceiling", name, op);
            long f = (d < DOMAIN && domain[d] == q) ? (long)d : (long)d - 1; /* last index <= q */
            while (f >= 0 && (!present[f] || (f > 0 && domain[f] == domain[f - 1]))) f--;
            rc = bskip_floor(m, q, &fk, &fv);
            CHECK(rc == (f >= 0 ? BSKIP_OK : BSKIP_NOT_FOUND), "%s op %ld floor rc", name, op);
            if (f >= 0) CHECK(fk == domain[f] && fv == value_of[f], "%s op %ld floor", name, op);
        } else {
            /* lo: a domain key or a value between keys; hi: lo plus a random width */
            int64_t lo = k; /* a domain key, or a neighbour value between keys */
            unsigned shift = (unsigned)rng_below(&r, 3);
            if (shift == 1 && k > INT64_MIN) lo = k - 1;
            if (shift == 2 && k < INT64_MAX) lo = k + 1;
            size_t j = (size_t)rng_below(&r, 400);
            size_t hi_i = i + j < DOMAIN ? i + j : DOMAIN - 1;
            int64_t hi = domain[hi_i];
            if (hi < lo) { int64_t t = lo; lo = hi; hi = t; }
            size_t cap = (size_t)rng_below(&r, SCAN_CAP + 1);
            bool closed = rng_below(&r, 4) == 0;
            int64_t n = closed ? bskip_scan_closed(m, lo, hi, keys, vals, cap) : bskip_scan(m, lo, hi, keys, vals, cap);
            CHECK(n >= 0, "%s op %ld scan rc %" PRId64, name, op, n);
            size_t want = 0;
            for (size_t d = lower_index(lo); d < DOMAIN && (closed ? domain[d] <= hi : domain[d] < hi) && want < cap; d++) {
                if (d > 0 && domain[d] == domain[d - 1]) continue;
                if (!present[d]) continue;
                CHECK((int64_t)want < n && keys[want] == domain[d] && vals[want] == value_of[d],
                      "%s op %ld scan [%" PRId64 ",%" PRId64 ") item %zu", name, op, lo, hi, want);
                want++;
            }
            CHECK(n == (int64_t)want, "%s op %ld scan count %" PRId64 " want %zu", name, op, n, want);
        }
        if (op % 5000 == 4999) {
            CHECK_VALID(m);
            CHECK(bskip_len(m) == len, "%s len %zu want %zu", name, bskip_len(m), len);
        }
    }
    CHECK_VALID(m);
    CHECK(bskip_len(m) == len, "%s final len", name);
    printf("%s: %ld ops, %zu keys, height %d, node capacity %zu\n", name, ops, len, bskip_height(m),
           bskip_node_capacity(m));
    bskip_free(m);
}

int main(void) {
    rng r = {42};
    make_domain(&r);
    long s = test_scale();
    run("tiny-nodes", 256, 0, 400000 / s, DOMAIN, 1);
    run("default", 0, 0, 400000 / s, DOMAIN, 2);
    run("tall-towers", 256, 0.5, 200000 / s, 600, 3);
    run("hot-set", 512, 0, 200000 / s, 64, 4);
    puts("test_sequential: ok");
    return 0;
}
