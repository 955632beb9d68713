/* get.c — point lookup by top-down read-lock coupling.
 *
 * Correctness argument (the reader's side of the protocol; writers in insert.c and delete.c).
 *
 * A lookup starts at the head of the highest level in use and holds, at every moment, the read
 * lock of the node it stands in. To move it first locks the next node — the right neighbour on
 * the same level, or one level down — and only then releases the current one (lock coupling).
 * Both moves go to a lock greater in the global order (level descending, left to right), so the
 * lookup can wait only for locks greater than any it holds; see lock.h for why that excludes
 * deadlock.
 *
 * Why it finds the right node: on each level it stands in a node whose first key is <= key
 * (a head, a node reached through the down pointer of a key <= key, or a right neighbour whose
 * fence `high` was <= key), and it moves right until the fence of the node it holds exceeds key.
 * Writers change a node's keys and its fence only under that node's write lock, and change the
 * first key of a non-head node only while also holding its left neighbour (insert.c, delete.c),
 * so the fence read under the lock is exact. Hence when it stops, every key <= key of that level
 * that lies to its right is absent, and key is present on level 0 iff it is in the final node.
 *
 * Linearization point: the moment the level-0 node is read under its read lock. Every insert or
 * delete of key changes level 0 under that node's write lock (or under the write lock of its
 * left neighbour while the key moves between them), so the value read is the value of the map at
 * that moment.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include "internal.h"
#include "walk.h"

int bskip_get(bskip *m, int64_t key, int64_t *value) {
    if (m == NULL) return BSKIP_EINVAL;
    bskip__trace_op_event(m, 1, TRACE_GET, key, 0);
    node *x = descend_to_level0(m, key); /* read-lock coupling; x holds key if the map does */
    uint32_t i = node_upper(x, key);
    int rc = BSKIP_NOT_FOUND;
    if (i > 0 && node_keys(x)[i - 1] == key) {
        if (value != NULL) *value = node_slots(m, x)[i - 1].value;
        rc = BSKIP_OK;
    }
    node_unlock(x, LOCK_R);
    bskip__trace_op_event(m, 0, TRACE_GET, key, 0);
    return rc;
}
