/* refmodel.h — the reference model of the differential fuzz target: a sorted array of pairs.
 *
 * Deliberately the simplest correct sorted map (binary search, memmove on insert/delete): O(n)
 * per change, obviously right, and independent of the B-skiplist's code. Every query a target
 * compares against (get, floor, ceiling, scan over [lo, hi) or [lo, hi]) is answered here.
 * Invariant: keys[0..n) strictly ascending; vals[i] is keys[i]'s value.
 */
#ifndef FUZZ_REFMODEL_H
#define FUZZ_REFMODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct refmap {
    int64_t *keys, *vals;
    size_t n, cap;
} refmap;

/* Number of keys < key. */
static inline size_t ref_lower(const refmap *r, int64_t key) {
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static inline bool ref_get(const refmap *r, int64_t key, int64_t *val) {
    size_t i = ref_lower(r, key);
    if (i == r->n || r->keys[i] != key) return false;
    *val = r->vals[i];
    return true;
}

/* Inserts or replaces; returns true when the key was new. Aborts if the host is out of memory. */
static inline bool ref_put(refmap *r, int64_t key, int64_t val) {
    size_t i = ref_lower(r, key);
    if (i < r->n && r->keys[i] == key) {
        r->vals[i] = val;
        return false;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->keys = realloc(r->keys, r->cap * sizeof *r->keys);
        r->vals = realloc(r->vals, r->cap * sizeof *r->vals);
        if (r->keys == NULL || r->vals == NULL) abort();
    }
    memmove(r->keys + i + 1, r->keys + i, (r->n - i) * sizeof *r->keys);
    memmove(r->vals + i + 1, r->vals + i, (r->n - i) * sizeof *r->vals);
    r->keys[i] = key;
    r->vals[i] = val;
    r->n++;
    return true;
}

static inline bool ref_delete(refmap *r, int64_t key, int64_t *old) {
    size_t i = ref_lower(r, key);
    if (i == r->n || r->keys[i] != key) return false;
    *old = r->vals[i];
    memmove(r->keys + i, r->keys + i + 1, (r->n - i - 1) * sizeof *r->keys);
    memmove(r->vals + i, r->vals + i + 1, (r->n - i - 1) * sizeof *r->vals);
    r->n--;
    return true;
}

/* Index range of the keys in [lo, hi) (closed: [lo, hi]); *first is its start, the result its
 * length. REQUIRES: lo <= hi. */
static inline size_t ref_range(const refmap *r, int64_t lo, int64_t hi, bool closed,
                               size_t *first) {
    size_t a = ref_lower(r, lo), b = a;
    while (b < r->n && (closed ? r->keys[b] <= hi : r->keys[b] < hi)) b++;
    *first = a;
    return b - a;
}

static inline void ref_free(refmap *r) {
    free(r->keys);
    free(r->vals);
    memset(r, 0, sizeof *r);
}

#endif /* FUZZ_REFMODEL_H */
