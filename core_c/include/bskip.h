/* bskip.h — public API of the pybskip concurrent B-skiplist (int64 -> int64 sorted map).
 *
 * A B-skiplist (Luo, Hao, Wheatman, Pandey, Xu, arXiv 2507.21492) is a skiplist whose levels are
 * linked lists of fixed-size nodes holding many sorted keys each. This library implements its
 * top-down single-pass insertion and top-down lock coupling with one reader-writer lock per node.
 *
 * Thread safety: every function below may be called concurrently from any number of threads on
 * the same map, except bskip_free (no other call may be in flight) and bskip_validate (only
 * meaningful on a quiescent map; it takes no locks). Every operation is linearizable, range
 * scans included (bskip_scan returns one atomic snapshot of its range).
 *
 * Keys and values: the whole int64 range is valid, INT64_MIN and INT64_MAX included.
 * Errors: functions return a non-negative status or a negative BSKIP_E* code; bskip_strerror
 * names it. No function aborts on user input.
 */
#ifndef BSKIP_H
#define BSKIP_H

#include <stddef.h>
#include <stdint.h>

/* BSKIP_API marks the library's exported functions. The library is compiled with
 * -fvisibility=hidden, so these are the only symbols libbskip.so exports; its internal cross-file
 * functions are named bskip__* (double underscore) and are not part of the API. A build that
 * needs another attribute (or none) may define BSKIP_API before including this header. */
#ifndef BSKIP_API
#if defined(__GNUC__) || defined(__clang__)
#define BSKIP_API __attribute__((visibility("default")))
#else
#define BSKIP_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes (>= 0) and error codes (< 0). */
enum {
    BSKIP_OK = 0,        /* success (get/delete found the key, new, validate) */
    BSKIP_INSERTED = 1,  /* put added a new key */
    BSKIP_REPLACED = 2,  /* put replaced the value of an existing key */
    BSKIP_NOT_FOUND = 3, /* get/delete: the key is absent */
    BSKIP_ENOMEM = -1,   /* an allocation failed; the map is unchanged by the failed call */
    BSKIP_EINVAL = -2,   /* an argument is invalid (NULL pointer, lo > hi, bad option) */
    BSKIP_ECORRUPT = -3, /* bskip_validate found a broken invariant (message says which) */
    BSKIP_ESYS = -4,     /* a system call (thread, lock) failed */
    BSKIP_ENOTSUP = -5   /* the feature is not compiled into this build (tracing, noise) */
};

typedef struct bskip bskip;

/* Options for bskip_new; zero-initialise and set what you need (0 fields mean "default"). */
typedef struct bskip_options {
    size_t node_bytes;    /* bytes per node, 256..65536; default BSKIP_DEFAULT_NODE_BYTES (keys
                           * per node: bskip_node_capacity); any size is accepted, and in memory
                           * a node takes it rounded up to a multiple of 64 (nodes stay aligned) */
    double promote_prob;  /* P(height > i) = p^i; 0 < p < 1; default 1/(2 * capacity) */
    uint64_t seed;        /* RNG seed for heights; 0 = a fixed default (runs are reproducible) */
} bskip_options;

#define BSKIP_DEFAULT_NODE_BYTES 2048

/* Creates an empty map. opts may be NULL for defaults.
 * REQUIRES: out != NULL. Returns BSKIP_OK, BSKIP_EINVAL or BSKIP_ENOMEM. */
BSKIP_API int bskip_new(bskip **out, const bskip_options *opts);

/* Frees the map and all its nodes. REQUIRES: no other call on m is in flight. NULL is a no-op. */
BSKIP_API void bskip_free(bskip *m);

/* Inserts key -> value, or replaces the value of an existing key (its old value is written to
 * *old_value when old_value != NULL). Returns BSKIP_INSERTED, BSKIP_REPLACED or BSKIP_ENOMEM
 * (map unchanged) or BSKIP_EINVAL (m == NULL). */
BSKIP_API int bskip_put(bskip *m, int64_t key, int64_t value, int64_t *old_value);

/* Inserts key -> value only if key is absent: returns BSKIP_INSERTED, or BSKIP_OK with the
 * existing value written to *existing (when non-NULL) and the map unchanged; or an error. */
BSKIP_API int bskip_put_if_absent(bskip *m, int64_t key, int64_t value, int64_t *existing);

/* Looks key up. Returns BSKIP_OK (value written when value != NULL) or BSKIP_NOT_FOUND. */
BSKIP_API int bskip_get(bskip *m, int64_t key, int64_t *value);

/* Removes key. Returns BSKIP_OK (old value written when old_value != NULL) or BSKIP_NOT_FOUND. */
BSKIP_API int bskip_delete(bskip *m, int64_t key, int64_t *old_value);

/* Copies the keys in [lo, hi) in ascending order, at most cap of them, into keys[] and values[]
 * (values may be NULL), as one linearizable snapshot. Returns the count (0..cap) or BSKIP_EINVAL
 * (lo > hi, or keys == NULL with cap > 0) or BSKIP_ENOMEM. lo == hi is the empty range. */
BSKIP_API int64_t bskip_scan(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values,
                             size_t cap);

/* As bskip_scan, for the closed range [lo, hi] (lo <= hi): the only way to reach INT64_MAX. */
BSKIP_API int64_t bskip_scan_closed(bskip *m, int64_t lo, int64_t hi, int64_t *keys,
                                    int64_t *values, size_t cap);

/* The min(cap, count) greatest keys of the closed range [lo, hi] in DESCENDING order (values
 * may be NULL), as one linearizable snapshot (as bskip_scan_closed). Returns the count or
 * BSKIP_EINVAL (lo > hi, or keys == NULL with cap > 0) or BSKIP_ENOMEM. Cost O(log n + cap) for
 * a typical map: it starts its ascending two-phase walk a little left of hi, not at lo. */
BSKIP_API int64_t bskip_scan_desc(bskip *m, int64_t lo, int64_t hi, int64_t *keys,
                                  int64_t *values, size_t cap);

/* Positional access, each one linearizable (a two-phase read of level 0 from its head, as a
 * scan). bskip_select: the key at position index (0 = least; negative counts from the end,
 * -1 = greatest) and its value (either pointer may be NULL); BSKIP_OK or BSKIP_NOT_FOUND (index
 * out of range). bskip_rank: *rank = the number of keys < key (rank may be NULL); returns BSKIP_OK
 * when key is present, BSKIP_NOT_FOUND when not. Both may return BSKIP_ENOMEM or BSKIP_EINVAL.
 * Cost: O(|index| / B) node visits for index >= 0, O(n / B) for index < 0, O(rank / B) for
 * bskip_rank (B = keys per node); writers to the walked prefix wait while it lasts. */
BSKIP_API int bskip_select(bskip *m, int64_t index, int64_t *key, int64_t *value);
BSKIP_API int bskip_rank(bskip *m, int64_t key, uint64_t *rank);

/* The least key >= key (ceiling) or the greatest key <= key (floor), with its value; either out
 * pointer may be NULL. Returns BSKIP_OK or BSKIP_NOT_FOUND. Linearizable. */
BSKIP_API int bskip_ceiling(bskip *m, int64_t key, int64_t *found_key, int64_t *value);
BSKIP_API int bskip_floor(bskip *m, int64_t key, int64_t *found_key, int64_t *value);

/* Batch calls: one C call for n operations, each one linearizable on its own (a batch is not
 * atomic). REQUIRES: the arrays hold n elements.
 * put_many returns the number of new keys; for a duplicated key the last pair wins. A batch of 64
 * or more pairs that is not strictly ascending is sorted first and applied in ascending key order;
 * otherwise pairs are applied in index order. On BSKIP_ENOMEM the map is valid and *applied
 * (applied may be NULL) counts the pairs written, a prefix of the order of application (in index
 * order for small or ascending batches, in ascending key order of the distinct keys for sorted
 * ones). get_many writes values[i] (or leaves it when the
 * key is absent) and found[i] in {0, 1} (found may be NULL) and returns the number found.
 * delete_many returns the number of keys removed. Negative results are errors. */
BSKIP_API int64_t bskip_put_many(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                                 size_t *applied);
BSKIP_API int64_t bskip_get_many(bskip *m, const int64_t *keys, int64_t *values, uint8_t *found,
                                 size_t n);
BSKIP_API int64_t bskip_delete_many(bskip *m, const int64_t *keys, size_t n);

/* The number of keys (exact on a quiescent map; a momentary value under concurrency). */
BSKIP_API size_t bskip_len(bskip *m);

/* Checks every structural invariant on a quiescent map. Returns BSKIP_OK, or BSKIP_ECORRUPT with
 * a description of the first broken invariant in msg (msg may be NULL when msg_len is 0). */
BSKIP_API int bskip_validate(bskip *m, char *msg, size_t msg_len);

/* A static, human-readable description of a status or error code. */
BSKIP_API const char *bskip_strerror(int code);

/* Introspection for tests and benchmarks. */
BSKIP_API size_t bskip_node_capacity(const bskip *m);  /* keys per node */
BSKIP_API int bskip_height(bskip *m);                  /* number of levels in use */
BSKIP_API size_t bskip_memory_bytes(bskip *m);         /* bytes held in nodes (quiescent map) */

#ifdef __cplusplus
}
#endif
#endif /* BSKIP_H */
