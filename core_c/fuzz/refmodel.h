/* refmodel.h — the reference model of the differential fuzz target: a sorted array of pairs.
 *
 * Deliberately the simplest correct sorted map (binary search, shift the tail on insert/delete):
 * O(n) per change, obviously right, and independent of the B-skiplist's code. Every query a
 * target compares against (get, floor, ceiling, scan over [lo, hi) or [lo, hi]) is answered here.
 * Invariant: keys[0..n) strictly ascending; vals[i] is keys[i]'s value.
 *
 * Speed under the sanitizers (issue 13): the tail is shifted with two memcpy calls through a
 * scratch array, not with memmove: AddressSanitizer's memmove (LLVM 14) copies byte by byte, about
 * 100 times slower than its memcpy (16 KB: 48 us against 0.4 us), and the model's shifts were a
 * visible share of fuzz_api's time. The functions carry no coverage instrumentation (REF_NOCOV,
 * clang): the model's branches say nothing about the map, and their comparison callbacks cost
 * time. A target that runs many inputs in one process empties the model with ref_clear, which
 * keeps the arrays (no allocation per input once they have grown); ref_free gives them back.
 */
#ifndef FUZZ_REFMODEL_H
#define FUZZ_REFMODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#define REF_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define REF_NOCOV
#endif

typedef struct refmap {
    int64_t *keys, *vals;
    size_t n, cap;
    int64_t *tmp; /* scratch for shifting a tail: cap elements */
} refmap;

/* Number of keys < key. */
REF_NOCOV static inline size_t ref_lower(const refmap *r, int64_t key) {
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Number of keys <= key. */
REF_NOCOV static inline size_t ref_upper(const refmap *r, int64_t key) {
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->keys[mid] <= key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

REF_NOCOV static inline bool ref_get(const refmap *r, int64_t key, int64_t *val) {
    size_t i = ref_lower(r, key);
    if (i == r->n || r->keys[i] != key) return false;
    *val = r->vals[i];
    return true;
}

/* a[from..from+count) moves to a[to..to+count) (overlapping), through the scratch array. */
REF_NOCOV static inline void ref_shift(refmap *r, int64_t *a, size_t to, size_t from,
                                       size_t count) {
    if (count == 0) return;
    memcpy(r->tmp, a + from, count * sizeof *a);
    memcpy(a + to, r->tmp, count * sizeof *a);
}

/* Inserts or replaces; returns true when the key was new. Aborts if the host is out of memory. */
REF_NOCOV static inline bool ref_put(refmap *r, int64_t key, int64_t val) {
    size_t i = ref_lower(r, key);
    if (i < r->n && r->keys[i] == key) {
        r->vals[i] = val;
        return false;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->keys = realloc(r->keys, r->cap * sizeof *r->keys);
        r->vals = realloc(r->vals, r->cap * sizeof *r->vals);
        free(r->tmp);
        r->tmp = malloc(r->cap * sizeof *r->tmp);
        if (r->keys == NULL || r->vals == NULL || r->tmp == NULL) abort();
    }
    ref_shift(r, r->keys, i + 1, i, r->n - i);
    ref_shift(r, r->vals, i + 1, i, r->n - i);
    r->keys[i] = key;
    r->vals[i] = val;
    r->n++;
    return true;
}

REF_NOCOV static inline bool ref_delete(refmap *r, int64_t key, int64_t *old) {
    size_t i = ref_lower(r, key);
    if (i == r->n || r->keys[i] != key) return false;
    *old = r->vals[i];
    ref_shift(r, r->keys, i, i + 1, r->n - i - 1);
    ref_shift(r, r->vals, i, i + 1, r->n - i - 1);
    r->n--;
    return true;
}

/* Index range of the keys in [lo, hi) (closed: [lo, hi]); *first is its start, the result its
 * length. REQUIRES: lo <= hi. */
REF_NOCOV static inline size_t ref_range(const refmap *r, int64_t lo, int64_t hi, bool closed,
                                         size_t *first) {
    size_t a = ref_lower(r, lo), b = closed ? ref_upper(r, hi) : ref_lower(r, hi);
    *first = a;
    return b > a ? b - a : 0;
}

/* Empties the model, keeping its arrays for the next use. */
static inline void ref_clear(refmap *r) { r->n = 0; }

static inline void ref_free(refmap *r) {
    free(r->keys);
    free(r->vals);
    free(r->tmp);
    memset(r, 0, sizeof *r);
}

#endif /* FUZZ_REFMODEL_H */
