/* walk.h — the two moves of every operation: right along a level, and down the levels.
 *
 * Both are lock coupling: the next node (the right neighbour, or the child one level down) is
 * locked before the current one is released, so a thread is never between nodes without a lock
 * (the reclamation argument in delete.c rests on this), and every lock taken is greater in the
 * global order (level descending, then left to right) than the one held (lock.h: deadlock
 * freedom). Searches decide by fences (`high`, node.h) read under the lock of the node they
 * hold, never by reading the node they have not locked yet. Two-phase readers of level 0 (scan.c,
 * position.c) step right without releasing: held.h.
 */
#ifndef BSKIP_WALK_H
#define BSKIP_WALK_H

#include "internal.h"
#include "lock.h"

/* Called by walk_right_settling with x and its successor nx both held in the walk's mode, before x
 * is released; returns true to end the walk at x (nx is then released instead). */
typedef bool (*walk_settle_fn)(bskip *m, node *x, node *nx, int64_t key);

/* The right step. Moves right along x's level until the successor's first key exceeds `key` (or,
 * when `strict`, until it is >= key), with lock coupling: the successor is locked (it is to the
 * right of x: global order) before x is released. `settle` (may be NULL) sees each step with both
 * nodes held. The successor is locked with node_lock_ahead (prefetched first). Returns the node
 * now held in `mode`. */
static inline node *walk_right_settling(bskip *m, node *x, int64_t key, bool strict,
                                        enum lock_mode mode, walk_settle_fn settle) {
    while (x->next != NULL && (strict ? x->high < key : x->high <= key)) {
        node *nx = x->next;
        node_lock_ahead(m, nx, mode);   /* order: right of x on the same level */
        if (settle != NULL && settle(m, x, nx, key)) {
            node_unlock(nx, mode);
            return x;
        }
        node_unlock(x, mode);  /* coupling: released only once nx is held */
        x = nx;
    }
    return x;
}

static inline node *walk_right(bskip *m, node *x, int64_t key, bool strict, enum lock_mode mode) {
    return walk_right_settling(m, x, key, strict, mode, NULL);
}

/* The down steps: the read-lock descent shared by bskip_get, floor/ceiling and scans, delete's
 * read phase and insert's levels above the key's height. From the head of level `start`, on each
 * level above `stop`: walk right (walk_right, read-locked, non-strict) to the node whose fence
 * exceeds `key`, then go down through the entry before key's position (node_child_before: the
 * greatest key <= key, or a head's -inf), locking the child before releasing the parent. The
 * node reached on level `stop` is locked in `stop_mode` (read for a reader, write where a writer's
 * modifying levels begin: a write lock on another node than the read-locked parent, never an
 * upgrade) and is not walked right yet: the caller walks that level its own way. When start ==
 * stop the head itself is locked in stop_mode.
 *
 * `met` (may be NULL): when key itself is an entry of a level above `stop`, stop there instead —
 * return the node holding it, still read-locked, with *met = its index + 1 (a writer that
 * guessed key's height too low needs to know); else *met = 0. With met NULL the descent ignores
 * upper entries of key and always reaches `stop` (a reader's value is on level 0).
 *
 * Locks: the head of `start` first (the operation's first lock), then only right or down steps:
 * the global order. Exactly one node is held on return. */
static inline node *descend(bskip *m, int start, int stop, enum lock_mode stop_mode, int64_t key,
                            uint32_t *met) {
    node *x = m->heads[start];
    node_lock(x, start > stop ? LOCK_R : stop_mode); /* order: the first lock of this operation */
    while (x->level > stop) {
        x = walk_right(m, x, key, false, LOCK_R);
        uint32_t i = node_upper(x, key);
        if (met != NULL && i > 0 && node_keys(x)[i - 1] == key) {
            *met = i;
            return x;
        }
        node *child = node_child_before(m, x, i);
        /* order: one level down; R -> W happens on another node (the child): no upgrade */
        node_lock_ahead(m, child, child->level > stop ? LOCK_R : stop_mode);
        node_unlock(x, LOCK_R); /* coupling: the child is held */
        x = child;
    }
    if (met != NULL) *met = 0;
    return x;
}

/* A reader's whole descent (get, floor/ceiling, scans): from the map's top level down to level 0
 * and right along it, read-locked, to the level-0 node that holds the greatest key <= key (or
 * the level-0 head). Returns it read-locked. */
static inline node *descend_to_level0(bskip *m, int64_t key) {
    int top = atomic_load_explicit(&m->top, memory_order_acquire);
    return walk_right(m, descend(m, top, 0, LOCK_R, key, NULL), key, false, LOCK_R);
}

#endif /* BSKIP_WALK_H */
