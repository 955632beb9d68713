/* batch.c — batch calls: n point operations in one C call (the Python binding's fast path).
 *
 * Each element is an ordinary linearizable operation; the batch as a whole is not atomic. The
 * only error an element can meet is BSKIP_ENOMEM (put), after which the batch stops: the elements
 * before it were applied, none after, and *applied says how many — the map stays valid.
 */
#include "internal.h"

int64_t bskip_put_many(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                       size_t *applied) {
    if (applied != NULL) *applied = 0;
    if (m == NULL || (n > 0 && (keys == NULL || values == NULL))) return BSKIP_EINVAL;
    int64_t inserted = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = bskip_put(m, keys[i], values[i], NULL);
        if (rc < 0) return rc;
        inserted += rc == BSKIP_INSERTED;
        if (applied != NULL) *applied = i + 1;
    }
    return inserted;
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
