/* test_node_search.c — white-box test of the in-node search (keys_rank in src/node.h).
 *
 * Checks keys_rank(keys, n, key, or_equal) against a linear count of the keys <= key (or < key)
 * for every n from 0 to 300 (past the 125 keys of a 2048-byte node and the 253 of a 4096-byte
 * one), over sorted arrays with gaps, for every probe key between, at and around each key and at
 * INT64_MIN / INT64_MAX (the extremes of a key's range): the branchless loop's window arithmetic
 * has an off-by-one only at some sizes, so every size is tried. Any mismatch fails with the size,
 * the key and both answers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "../src/internal.h"
#include "test_util.h"

static uint32_t linear_rank(const int64_t *keys, uint32_t n, int64_t key, bool or_equal) {
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++) c += or_equal ? keys[i] <= key : keys[i] < key;
    return c;
}

static void check_probe(const int64_t *keys, uint32_t n, int64_t key) {
    for (int oe = 0; oe <= 1; oe++) {
        uint32_t got = keys_rank(keys, n, key, oe), want = linear_rank(keys, n, key, oe);
        CHECK(got == want, "n=%u key=%" PRId64 " %s: keys_rank %u, linear count %u", n, key,
              oe ? "<=" : "<", got, want);
    }
}

int main(void) {
    enum { MAXN = 300 };
    int64_t keys[MAXN];
    rng r = {42};
    long probes = 0;
    for (uint32_t n = 0; n <= MAXN; n++) {
        int64_t k = -1000 - (int64_t)(rng_next(&r) % 50);
        for (uint32_t i = 0; i < n; i++) keys[i] = (k += 2 + (int64_t)(rng_next(&r) % 5));
        check_probe(keys, n, INT64_MIN);
        check_probe(keys, n, INT64_MAX);
        for (uint32_t i = 0; i < n; i++) {
            check_probe(keys, n, keys[i] - 1);
            check_probe(keys, n, keys[i]);
            check_probe(keys, n, keys[i] + 1);
            probes += 3;
        }
    }
    /* the extremes as keys themselves */
    int64_t ext[3] = {INT64_MIN, 0, INT64_MAX};
    for (uint32_t n = 0; n <= 3; n++)
        for (int j = 0; j < 3; j++) check_probe(n == 3 ? ext : ext + 3 - n, n, ext[j]);
    printf("test_node_search: %ld probes, every size 0..%d: ok\n", probes + 4 * MAXN, MAXN);
    return 0;
}
