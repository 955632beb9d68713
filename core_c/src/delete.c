/* delete.c — bskip_delete: top-down removal with write-lock coupling and immediate reclamation.
 *
 * The algorithm, for key k. A delete does not know k's height in advance, and it may not upgrade a
 * read lock to a write lock, so it guesses: it descends with read-lock coupling above level `t`
 * (first t = 0), starting at least one level above t (see (5) below), and write-lock coupling at
 * levels <= t. If it meets k on a read-locked level L it
 * releases everything and starts again with t = L (a re-descent, never an upgrade). Most keys have
 * height 1, so most deletes make one pass. On every write-locked level it holds L_i, the node with
 * the greatest key < k (walking right while the fence is < k), and:
 *   - if k is inside L_i, removes it (L_i keeps its smaller keys, so it stays non-empty or is a
 *     head);
 *   - else if L_i's successor N is headed by k (fence == k), write-locks N (to the right: global
 *     order), removes k, and then: N empty -> unlinks it; N fits into L_i -> merges it into L_i
 *     and unlinks it; otherwise N stays, now a parentless node headed by its next key, and L_i's
 *     fence is updated. Unlinked nodes are freed at once.
 * then descends through the entry of L_i before k (its down pointer) to the next level. Levels are
 * visited top-down, so k leaves its top level first and level 0 last.
 *
 * Linearization point: the removal from level 0 (under the write lock of the level-0 node).
 * Between the first and the last removal, k is still on level 0 and reachable by walking right
 * from any upper level, so lookups stay correct.
 *
 * Why freeing N immediately is safe (no thread can touch N after it is freed):
 *   (1) The only pointers to a non-head node are its left neighbour's `next` and, while the key
 *       that heads it is on the level above, that key's down pointer. Heads are never freed.
 *   (2) When the delete frees N it holds L_i's write lock, so no thread is on its way from L_i to
 *       N (moving right requires holding L_i until N is held: lock coupling).
 *   (3) k's entry one level up was removed earlier in this delete, under the write lock of the
 *       node holding it. A thread that read that down pointer before held that node's read lock
 *       until it held N, so it already held N before the delete got that node; it released N
 *       before the delete could write-lock N. No thread can read the pointer afterwards.
 *   (4) The delete write-locks N itself before unlinking it, so no thread is inside N; by (1)-(3)
 *       no thread is waiting for N's lock or can find N later. Unlock, destroy, free.
 *   (5) (3) needs k to be absent from the level above N once the delete is done there, including
 *       entries a concurrent put adds. So every pass starts strictly above the highest level it
 *       may modify (level t + 1 at least, even if that is above the map's top: its head is then
 *       empty, or holds what a concurrent put just added). On level L + 1 the delete holds the
 *       node at k's position while it locks its way down; a put that inserts k on level L + 1
 *       needs that node's write lock, so it either came first (the delete then meets k on a
 *       read-locked level and re-descends with a larger t) or follows the delete down every level
 *       (coupling: it cannot overtake), re-inserting k below. A pass that started at the map's
 *       top would not see a put that raised the top, inserted k above, and entered the delete's
 *       start level through a new upper entry ahead of it — then k's new entry would point to the
 *       node the delete frees (found by the history hunt: a use-after-free under ASan).
 * No epoch or hazard pointer is needed: lock coupling is the reclamation scheme.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include "internal.h"
#include "walk.h"

/* Sentinel for "k is on a read-locked level; retry with a larger t". */
#define RETRY_BASE 1000

/* Removes k, the first key of x's successor n (both write-locked), and restructures n.
 * Releases n (freeing it if it was unlinked). */
static void remove_head_key(bskip *m, node *x, node *n) {
    node_remove_at(m, n, 0);
    if (x->n + n->n <= m->cap) {
        node_move_tail(m, n, 0, x, x->n); /* merge (a no-op copy when n is empty) */
        x->next = n->next;
        bskip__trace_link_event(x, n, 0);
        x->high = n->high;
        node_unlock(n, LOCK_W); /* reclamation: see the argument at the top of this file */
        bskip__trace_free_event(n);
        bskip__node_free(m, n);
        return;
    }
    x->high = node_keys(n)[0]; /* n is now a parentless node headed by its next key */
    n->headed = 0;             /* k's entry above is gone (top-down), and no other pointed here */
    node_unlock(n, LOCK_W);
}

/* One pass with write locks at levels <= t. Returns BSKIP_OK, BSKIP_NOT_FOUND, or RETRY_BASE + L
 * when k was met on a read-locked level L > t (everything released). */
static int delete_pass(bskip *m, int64_t key, int t, int64_t *old_value) {
    /* Start strictly above every level this pass may modify (rule (5) above): one level above
     * t even when that is above the top, whose head is then empty or just filled by a put. */
    int top = atomic_load_explicit(&m->top, memory_order_acquire);
    int start = top > t ? top : t + 1;
    if (start > BSKIP_MAX_LEVELS - 1) start = BSKIP_MAX_LEVELS - 1; /* nothing can be above it */
    uint32_t met; /* k met on a read-locked level above t */
    node *x = descend(m, start, t, LOCK_W, key, &met); /* levels <= t are write-locked */
    if (met > 0) {
        int level = x->level;
        node_unlock(x, LOCK_R); /* no upgrade: give everything back and re-descend */
        return RETRY_BASE + level;
    }
    bool found = false;
    for (;;) {
        x = walk_right(m, x, key, true, LOCK_W);
        uint32_t i = node_lower(x, key);
        if (i < x->n && node_keys(x)[i] == key) {
            if (x->level == 0 && old_value != NULL) *old_value = node_slots(m, x)[i].value;
            node_remove_at(m, x, i);
            found = true;
        } else if (x->next != NULL && x->high == key) {
            node *n = x->next;
            node_lock(n, LOCK_W); /* order: right of x on the same level */
            if (n->level == 0 && old_value != NULL) *old_value = node_slots(m, n)[0].value;
            remove_head_key(m, x, n);
            found = true;
        }
        if (x->level == 0) {
            node_unlock(x, LOCK_W);
            if (found) atomic_fetch_sub_explicit(&m->len, 1, memory_order_relaxed);
            return found ? BSKIP_OK : BSKIP_NOT_FOUND;
        }
        node *child = node_child_before(m, x, node_lower(x, key));
        node_lock_ahead(m, child, LOCK_W); /* order: one level down */
        node_unlock(x, LOCK_W);   /* coupling: the child is held */
        x = child;
    }
}

int bskip_delete(bskip *m, int64_t key, int64_t *old_value) {
    if (m == NULL) return BSKIP_EINVAL;
    bskip__trace_op_event(m, 1, TRACE_DELETE, key, 0);
    int t = 0, rc;
    while ((rc = delete_pass(m, key, t, old_value)) >= RETRY_BASE) t = rc - RETRY_BASE;
    bskip__trace_op_event(m, 0, TRACE_DELETE, key, 0);
    return rc;
}
