/* batch.c — batch calls: n point operations in one C call (the Python binding's fast path).
 *
 * put_many sorts the batch (stable LSD radix sort on the keys, 11-bit digits, skipping digits that all keys share;
 * for duplicate keys the last pair wins, as if applied in index order) and inserts it in ascending
 * runs: a run descends once and walks right along level 0 placing keys, until a key draws a
 * height > 1 and takes the ordinary pass (insert.c, bskip__put_sorted_run). Already-sorted input is
 * detected and not copied. When the sort buffers cannot be allocated the batch writes nothing and
 * returns BSKIP_ENOMEM with *applied == 0 (falling back to index order there would break the
 * documented meaning of *applied; found by the fuzzer).
 *
 * Each element is an ordinary linearizable operation; the batch as a whole is not atomic, and the
 * order in which different keys become visible is unspecified (ascending, in practice). The only
 * error an element can meet is BSKIP_ENOMEM, after which the batch stops: *applied counts the
 * pairs written, a prefix of the order of application (index order for small or ascending
 * batches, ascending key order of the distinct keys for sorted ones); the map stays valid.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SMALL_BATCH 64

typedef struct kv { uint64_t key; int64_t value; } kv; /* key with the sign bit flipped */

static uint64_t order_bits(int64_t k) { return (uint64_t)k ^ (UINT64_C(1) << 63); }

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_MASK (RADIX_SIZE - 1)

/* Stable LSD radix sort of a[0..n) by key, 11 bits per pass (the counts stay in L1/L2 and the
 * scatter has 2048 destinations); tmp has room for n. Returns the array holding the result (a or
 * tmp). Passes whose digit is the same for all keys are skipped. */
static kv *radix_sort(kv *a, kv *tmp, size_t n, size_t *counts /* RADIX_SIZE */) {
    uint64_t all_and = ~UINT64_C(0), all_or = 0;
    for (size_t i = 0; i < n; i++) {
        all_and &= a[i].key;
        all_or |= a[i].key;
    }
    for (int shift = 0; shift < 64; shift += RADIX_BITS) {
        if ((((all_and ^ all_or) >> shift) & RADIX_MASK) == 0) continue; /* digit constant */
        memset(counts, 0, RADIX_SIZE * sizeof *counts);
        for (size_t i = 0; i < n; i++) counts[(a[i].key >> shift) & RADIX_MASK]++;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX_SIZE; d++) {
            size_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) tmp[counts[(a[i].key >> shift) & RADIX_MASK]++] = a[i];
        kv *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* Inserts strictly ascending keys with their values. */
static int put_ascending(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                         size_t *applied, int64_t *inserted) {
    size_t i = 0;
    int h = 0; /* the height already drawn for keys[i], or 0 */
    while (i < n) {
        if (h == 0) h = bskip__draw_height(m);
        if (h > 1) {
            int rc = bskip__put_with_height(m, keys[i], values[i], NULL, true, h);
            if (rc < 0) return rc;
            *inserted += rc == BSKIP_INSERTED;
            *applied = ++i;
            h = 0;
            continue;
        }
        size_t done;
        int rc = bskip__put_sorted_run(m, keys + i, values + i, n - i, &done, &h, inserted);
        if (rc < 0) return rc;
        i += done;
        *applied = i;
    }
    return BSKIP_OK;
}

static int put_one_by_one(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                          size_t *applied, int64_t *inserted) {
    for (size_t i = 0; i < n; i++) {
        int rc = bskip_put(m, keys[i], values[i], NULL);
        if (rc < 0) return rc;
        *inserted += rc == BSKIP_INSERTED;
        *applied = i + 1;
    }
    return BSKIP_OK;
}

static bool strictly_ascending(const int64_t *keys, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (keys[i - 1] >= keys[i]) return false;
    return true;
}

/* Sorts, dedupes (last pair wins) and inserts. */
static int put_sorted_copy(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                           size_t *applied, int64_t *inserted) {
    kv *a = bskip__malloc(n * sizeof *a), *tmp = bskip__malloc(n * sizeof *tmp);
    size_t *counts = bskip__malloc(RADIX_SIZE * sizeof *counts);
    int rc;
    if (a == NULL || tmp == NULL || counts == NULL) {
        rc = BSKIP_ENOMEM; /* nothing written: *applied stays 0 (the empty prefix) */
    } else {
        for (size_t i = 0; i < n; i++) a[i] = (kv){order_bits(keys[i]), values[i]};
        kv *s = radix_sort(a, tmp, n, counts);
        /* the array the sort did not end in holds the deduplicated keys, then their values */
        int64_t *sk = (int64_t *)(s == a ? tmp : a), *sv = sk + n;
        size_t u = 0;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n && s[i + 1].key == s[i].key) continue; /* a later duplicate wins */
            sk[u] = (int64_t)(s[i].key ^ (UINT64_C(1) << 63));
            sv[u++] = s[i].value;
        }
        size_t done = 0;
        rc = put_ascending(m, sk, sv, u, &done, inserted);
        /* applied counts input pairs: all of them once the distinct keys are in */
        *applied = rc == BSKIP_OK ? n : done;
    }
    free(a);
    free(tmp);
    free(counts);
    return rc;
}

int64_t bskip_put_many(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                       size_t *applied) {
    size_t ignored;
    if (applied == NULL) applied = &ignored;
    *applied = 0;
    if (m == NULL || (n > 0 && (keys == NULL || values == NULL))) return BSKIP_EINVAL;
    int64_t inserted = 0;
    int rc;
    if (n < SMALL_BATCH) rc = put_one_by_one(m, keys, values, n, applied, &inserted);
    else if (strictly_ascending(keys, n)) rc = put_ascending(m, keys, values, n, applied, &inserted);
    else rc = put_sorted_copy(m, keys, values, n, applied, &inserted);
    return rc < 0 ? rc : inserted;
}

int64_t bskip_get_many(bskip *m, const int64_t *keys, int64_t *values, uint8_t *found, size_t n) {
    if (m == NULL || (n > 0 && (keys == NULL || values == NULL))) return BSKIP_EINVAL;
    int64_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = bskip_get(m, keys[i], &values[i]) == BSKIP_OK;
        if (found != NULL) found[i] = (uint8_t)ok;
        hits += ok;
    }
    return hits;
}

int64_t bskip_delete_many(bskip *m, const int64_t *keys, size_t n) {
    if (m == NULL || (n > 0 && keys == NULL)) return BSKIP_EINVAL;
    int64_t removed = 0;
    for (size_t i = 0; i < n; i++) removed += bskip_delete(m, keys[i], NULL) == BSKIP_OK;
    return removed;
}
