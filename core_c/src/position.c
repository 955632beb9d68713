/* position.c — positional access: bskip_select (the i-th key) and bskip_rank (keys below a key).
 *
 * Both are two-phase readers of level 0, exactly like a scan (scan.c has the argument): they
 * read-lock the level-0 head — the leftmost node of level 0, never freed — and then level-0 nodes
 * left to right, keeping every lock, until the position is reached (select with i >= 0, rank) or
 * the level ends (select with i < 0, which needs the total count); they read the answer while all
 * those locks are held and then release them all. Every change to level 0 to the left of the
 * answer happens under the write lock of a node they hold, so at the moment they hold their last
 * lock the count of keys to the left is exact: that moment is the linearization point.
 *
 * Deadlock: the first lock is the head of level 0 and every further lock is to its right on
 * level 0 (held_step_right), none released before the end: the global order.
 *
 * Cost: O(i / B) node visits for select(i >= 0) and rank(key), O(n / B) for select(i < 0), where
 * B is the keys per node (nodes are 50-100% full): per-node key counts are the node's own `n`,
 * read under its lock. No upper-level counts are kept: a put holds only read locks above its
 * height, so it could not update them under the locks it takes. Writers to the held prefix wait
 * while the walk lasts (as for a scan of the same range).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include "held.h"
#include "internal.h"
#include "lock.h"

/* The walk both share: traces the operation's begin, read-locks the level-0 head and steps right
 * keeping every lock (held_step_right) while the key count or position it looks for may lie right
 * of the last held node x: `by_key`: while x->high <= target (keys < target may follow x); else
 * while target < 0 (the whole level: the total count) or x holds no key number target. *before =
 * the keys in the held nodes left of x (the last held node, held->nodes[held->count - 1]).
 * Returns BSKIP_OK or BSKIP_ENOMEM (the held set could not grow; what is held stays held). */
static int level0_walk(bskip *m, held_set *held, bool by_key, int64_t target, uint64_t *before) {
    bskip__trace_op_event(m, 1, TRACE_SCAN, INT64_MIN, 0);
    held_init(held);
    node *x = m->heads[0];
    node_lock(x, LOCK_R); /* order: the first lock of this operation */
    held_push(held, x);   /* cannot fail: the stack array is empty */
    *before = 0;
    while (x->next != NULL && (by_key ? x->high <= target
                               : target < 0 || *before + x->n <= (uint64_t)target)) {
        *before += x->n;
        x = held_step_right(held, x); /* order and 2PL: see held.h */
        if (x == NULL) return BSKIP_ENOMEM;
    }
    return BSKIP_OK;
}

/* The shrinking phase (every lock at once, the answer read) and the operation's end. */
static void level0_done(bskip *m, held_set *held) {
    held_release_all(held);
    bskip__trace_op_event(m, 0, TRACE_SCAN, INT64_MIN, 0);
}

int bskip_select(bskip *m, int64_t index, int64_t *key, int64_t *value) {
    if (m == NULL) return BSKIP_EINVAL;
    held_set held;
    uint64_t before; /* keys in the held nodes left of x */
    int rc = level0_walk(m, &held, false, index, &before);
    if (rc == BSKIP_OK) {
        node *x = held.nodes[held.count - 1];
        uint64_t total = before + x->n; /* meaningful for i < 0: x is the last node */
        uint64_t want = index >= 0 ? (uint64_t)index : total - (uint64_t)(-(index + 1)) - 1;
        bool in_range = index >= 0 ? want < before + x->n : (uint64_t)(-(index + 1)) < total;
        if (!in_range) {
            rc = BSKIP_NOT_FOUND;
        } else {
            /* find want's node among the held ones (i >= 0: it is x) */
            size_t j = held.count - 1;
            uint64_t left = before;
            while (want < left) {
                j--;
                left -= held.nodes[j]->n;
            }
            node *y = held.nodes[j];
            if (key != NULL) *key = node_keys(y)[want - left];
            if (value != NULL) *value = node_slots(m, y)[want - left].value;
        }
    }
    level0_done(m, &held);
    return rc;
}

int bskip_rank(bskip *m, int64_t key, uint64_t *rank) {
    if (m == NULL) return BSKIP_EINVAL;
    held_set held;
    uint64_t before;
    int rc = level0_walk(m, &held, true, key, &before);
    if (rc == BSKIP_OK) {
        node *x = held.nodes[held.count - 1];
        uint32_t i = node_lower(x, key);
        if (rank != NULL) *rank = before + i;
        rc = i < x->n && node_keys(x)[i] == key ? BSKIP_OK : BSKIP_NOT_FOUND;
    }
    level0_done(m, &held);
    return rc;
}
