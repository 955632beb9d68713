/* insert.c — bskip_put: top-down single-pass insertion with write-lock coupling.
 *
 * Departures from arXiv 2507.21492 and its artifact (see also README "Design"):
 *   - Heights are drawn at random per insert (P(h > i) = p^i) from a per-thread stream, not from
 *     a hash of the key, and the map grows levels as needed (up to BSKIP_MAX_LEVELS) instead of a
 *     fixed 5: sequential or adversarial keys cannot degrade the shape.
 *   - Keys of any int64 value: heads carry an implicit -infinity entry instead of a sentinel key.
 *   - Every node carries a fence `high` (its successor's first key), kept exact under the node's
 *     own lock, so a thread decides to move right without locking the successor.
 *
 * The algorithm, for key k with height h drawn before the descent:
 *   levels >= h   read-lock coupling, as bskip_get (nothing changes there);
 *   level h-1     the child is write-locked while its parent's read lock is still held; the
 *                 thread walks right with write coupling to the node L with the greatest key <= k
 *                 and places k in L (k's "top" entry; it need not head a node);
 *   levels < h-1  the node L with the greatest key <= k is split at k: a new node N, headed by k,
 *                 takes k and the keys after it, and k's entry one level up gets N as its down
 *                 pointer. The entry one level up stays write-locked until that pointer is set, so
 *                 no thread ever follows an unset pointer.
 * One pass, top to bottom, and every lock is taken in the global order: down one level, or right
 * on the same level (a new node is created to the right of the node it is split from and locked
 * before it is linked in).
 *
 * Overflow scheme (a full node that gets a key without a promotion): the node is split in half
 * and the right half is linked only through `next`, with no parent entry (as the artifact does).
 * Searches stay correct because every level is walked right by fences; the cost is at most one
 * extra right step per such parentless node. With the default p = 1/(2 cap) a run between two
 * promoted keys averages two nodes, so a search walks about one parentless node per level; that
 * buys nodes about twice as full as p = 2/cap would leave them (README, "Design"), at no measured
 * cost in lookup time. Deletes merge such nodes back into their left neighbours when they fit
 * (delete.c).
 *
 * Fill (B*-tree style, so that half splits do not leave nodes half empty). A node whose first key
 * no parent entry names (`headed` clear, invariant (6) of internal.h) may have its first key
 * changed, so on the level where a key is placed:
 *   - before a full node x is split, x's last entries move into x's successor when that one is
 *     parentless and has room (shift_into_next); x's fence follows;
 *   - the walk to the key's node, stepping from a to b with both write-locked, moves b's first
 *     entries to a when b is the target, full and parentless and a has room
 *     (even_out_with_left, the settle step of walk_right_settling in walk.h).
 * Both take locks only to the right of what they hold (the global order) and change a node's first
 * key only while holding its left neighbour, as get.c's argument requires. Measured at 10^6 random
 * keys with 2048-byte nodes: 23.9 bytes/key against 28.8 with half splits alone.
 *
 * bskip_put_if_absent is the same pass with the replacement left out (it reads the value instead).
 * A put of an existing key replaces its value on level 0 and, if the new height is larger than the
 * key's old one, promotes it (the key then heads a node at every level below its new top); the
 * put is still a single pass.
 *
 * Linearization point: the write to level 0 (the new key placed, or the value replaced), under the
 * write lock of the level-0 node that holds it.
 *
 * bskip__put_sorted_run (the batch path, batch.c) inserts an ascending run of height-1 keys with
 * one descent: it write-locks the level-0 node of the first key and walks right with write
 * coupling, placing each key in turn, until a key draws a height > 1 (that key takes the ordinary
 * pass).
 *
 * Memory: the worst case of new nodes (one overflow at the top level, a split plus a possible
 * overflow of a full head at each level below) is reserved before the first lock (pool.c), so the
 * pass never fails half way and BSKIP_ENOMEM leaves the map unchanged.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include "internal.h"
#include "walk.h"

/* Links a new node y (filled by the caller) right after x and write-locks it.
 * REQUIRES: x write-locked; y's keys are all greater than x's and less than x->high. */
static void link_after(node *x, node *y) {
    y->next = x->next;
    y->high = x->high;
    bskip__trace_link_event(x, y, 1); /* before its acquire: the trace knows y's place then */
    node_lock(y, LOCK_W); /* order: y is right of x (x is held); y is unreachable until linked */
    x->next = y;
    x->high = node_keys(y)[0];
}

/* Overflow split: moves the upper half of the full node x into a new node linked after x.
 * Returns the new node, write-locked. REQUIRES: x write-locked and x->n >= 2. */
static node *split_half(bskip *m, node *x) {
    node *y = bskip__spare_take(m, x->level);
    node_move_tail(m, x, x->n / 2, y, 0);
    link_after(x, y);
    return y;
}

/* Whether x has room enough to take entries from a full neighbour (shift_into_next,
 * even_out_with_left): more than cap/16 free slots, and at least 2, so that at least one entry
 * moves and the node that receives them still has a slot for the key. */
static bool room_to_take(const bskip *m, const node *x) {
    uint32_t room = m->cap - x->n;
    return room >= 2 && room > m->cap / 16;
}

/* The settle step (walk.h) of the walk to the node a key goes into: when the walk steps from a to
 * b, the key goes into b, b is full and parentless (`headed` clear: its first key may change) and
 * a has room for more than cap/16 entries, b's first entries move to the end of a until both are
 * about equally full, and a's fence follows. Returns true when the key now belongs in a. Both
 * nodes are write-locked by the walk (b locked while a is held: to its right). */
static bool even_out_with_left(bskip *m, node *a, node *b, int64_t key) {
    bool target = b->next == NULL || b->high > key;
    if (!target || b->n < m->cap || b->headed || !room_to_take(m, a)) return false;
    node_append_head(m, b, (b->n - a->n) / 2, a);
    a->high = node_keys(b)[0];
    return key < a->high;
}

/* walk_right (write coupling) to the node a key goes into, evening out full nodes on the way. */
static node *walk_right_to_place(bskip *m, node *x, int64_t key) {
    return walk_right_settling(m, x, key, false, LOCK_W, even_out_with_left);
}

/* Before a full node x is split, tries to even it out with its successor y instead: allowed only
 * when y has no parent entry (`headed` clear, invariant (6): y's first key may then change) and
 * room for more than cap/16 entries. Moves x's last entries to the front of y so that both end
 * about equally full, and updates x's fence. Returns y, write-locked, or NULL (nothing changed,
 * y released). REQUIRES: x write-locked and full. */
static node *shift_into_next(bskip *m, node *x) {
    node *y = x->next;
    if (y == NULL) return NULL;
    node_lock(y, LOCK_W); /* order: right of x on the same level (x is held) */
    if (y->headed || !room_to_take(m, y)) {
        node_unlock(y, LOCK_W);
        return NULL;
    }
    uint32_t room = m->cap - y->n;
    node_prepend_tail(m, x, x->n - (room + 1) / 2, y); /* 1 <= (room+1)/2 <= room - 1 entries */
    x->high = node_keys(y)[0];
    return y;
}

/* Places key at index *i of x (write-locked), making room first when x is full: x's last entries
 * move into a parentless successor with room (shift_into_next), or else appending at the end of a
 * full node starts a new node after x holding just the key (so ascending inserts fill nodes
 * completely) and any other position splits x in half. Returns the node that now holds the key,
 * with *i its index there (never 0 in a node other than x but for the appended one); *other is
 * the second node when one was involved (write-locked, like the returned one), else NULL. */
static node *place_key(bskip *m, node *x, uint32_t *i, int64_t key, node **other) {
    *other = NULL;
    if (x->n == m->cap) {
        node *y = shift_into_next(m, x);
        if (y == NULL && *i == x->n) {
            y = bskip__spare_take(m, x->level);
            node_keys(y)[0] = key;
            y->n = 1;
            link_after(x, y);
            *other = x;
            *i = 0;
            return y;
        }
        if (y == NULL) y = split_half(m, x);
        *other = y;
        if (*i > x->n) { /* the key belongs to y, after the entries that moved there */
            *i -= x->n;
            *other = x;
            x = y;
        }
    }
    node_insert_at(m, x, *i, key);
    return x;
}

/* Replaces the value of a key found at index idx of x (held in mode xm), following the key's down
 * pointers: below its top the key heads every node it is in (invariant 2), so it sits at index 0.
 * The level-0 node is write-locked. Releases everything. */
static int replace_down(bskip *m, node *x, enum lock_mode xm, uint32_t idx, int64_t value,
                        int64_t *old_value, bool replace) {
    while (x->level > 0) {
        node *child = node_slots(m, x)[idx].child;
        enum lock_mode cm = child->level == 0 ? LOCK_W : xm;
        node_lock_ahead(m, child, cm); /* order: one level down */
        node_unlock(x, xm);   /* coupling: the child is held */
        x = child;
        xm = cm;
        idx = 0;
    }
    slot *s = &node_slots(m, x)[idx];
    if (old_value != NULL) *old_value = s->value;
    if (replace) s->value = value;
    node_unlock(x, xm);
    return replace ? BSKIP_REPLACED : BSKIP_OK;
}

/* Raises m->top to at least `level`; returns the level to start the descent from. */
static int raise_top(bskip *m, int level) {
    int t = atomic_load_explicit(&m->top, memory_order_acquire);
    while (t < level &&
           !atomic_compare_exchange_weak_explicit(&m->top, &t, level, memory_order_acq_rel,
                                                  memory_order_acquire)) {
    }
    return t > level ? t : level;
}

/* Levels >= h: read-lock coupling down to the write-locked node on level h-1 where the walk for
 * k's top entry starts. Returns it, or NULL after replacing the value of a taller existing k. */
static node *descend_to_top(bskip *m, int h, int64_t key, int64_t value, int64_t *old_value,
                            bool replace, int *rc) {
    int start = raise_top(m, h - 1);
    uint32_t met; /* key is already an entry above h-1 (it was taller): met - 1 is its index */
    node *x = descend(m, start, h - 1, LOCK_W, key, &met); /* level h-1 on is write-locked */
    if (met > 0) {
        *rc = replace_down(m, x, LOCK_R, met - 1, value, old_value, replace);
        return NULL;
    }
    return x;
}

/* The single pass for height h; `replace` false leaves an existing key's value as it is
 * (put-if-absent). */
int bskip__put_with_height(bskip *m, int64_t key, int64_t value, int64_t *old_value, bool replace,
                           int h) {
    int rc = bskip__spare_reserve(m, 2 * h - 1);
    if (rc != BSKIP_OK) return rc;
    bskip__trace_op_event(m, 1, TRACE_PUT, key, h);

    node *x = descend_to_top(m, h, key, value, old_value, replace, &rc);
    if (x == NULL) goto done;

    /* Level h-1: place k's top entry. x is write-locked. */
    x = walk_right_to_place(m, x, key);
    uint32_t i = node_upper(x, key);
    if (i > 0 && node_keys(x)[i - 1] == key) {
        rc = replace_down(m, x, LOCK_W, i - 1, value, old_value, replace);
        goto done;
    }
    node *other; /* the other node if x overflowed; released before descending */
    x = place_key(m, x, &i, key, &other);
    if (x->level == 0) {
        node_slots(m, x)[i].value = value;
        atomic_fetch_add_explicit(&m->len, 1, memory_order_relaxed);
        if (other != NULL) node_unlock(other, LOCK_W);
        node_unlock(x, LOCK_W);
        rc = BSKIP_INSERTED;
        goto done;
    }
    node *above = x;          /* holds k's entry whose down pointer is still unset; write-locked */
    uint32_t above_idx = i;
    node *pred = x;           /* the node holding the entry before k (or a head's -inf) */
    uint32_t pred_i = i;
    if (i == 0 && !x->is_head) { /* k starts a node appended after `other` */
        pred = other;
        pred_i = other->n;
    }
    node *child = node_child_before(m, pred, pred_i);
    node_lock_ahead(m, child, LOCK_W); /* order: one level down */
    if (other != NULL) node_unlock(other, LOCK_W);
    x = child;                /* `above` stays held until k's down pointer is set */

    /* Levels below h-1: split at k. */
    for (;;) {
        x = walk_right(m, x, key, false, LOCK_W);
        i = node_upper(x, key);
        if (i > 0 && node_keys(x)[i - 1] == key) {
            /* k is already on this level (it had a smaller height): make it head a node. */
            node *target = x;
            if (i - 1 > 0 || x->is_head) {
                target = bskip__spare_take(m, x->level);
                node_move_tail(m, x, i - 1, target, 0);
                link_after(x, target);
                node_unlock(x, LOCK_W);
            }
            target->headed = 1; /* invariant (6), before the entry above points here */
            node_slots(m, above)[above_idx].child = target;
            node_unlock(above, LOCK_W); /* k's down pointer is set */
            rc = replace_down(m, target, LOCK_W, 0, value, old_value, replace);
            goto done;
        }
        node *y = bskip__spare_take(m, x->level);
        node *spill = NULL; /* k plus x's tail overflow one node: only a full head with i == 0 */
        if (x->n - i + 1 > m->cap) {
            spill = bskip__spare_take(m, x->level);
            node_move_tail(m, x, i + (x->n - i) / 2, spill, 0);
        }
        node_keys(y)[0] = key;
        node_move_tail(m, x, i, y, 1);
        link_after(x, y);
        if (spill != NULL) link_after(y, spill); /* created right of y: order kept */
        y->headed = 1; /* invariant (6), before the entry above points here */
        node_slots(m, above)[above_idx].child = y;
        node_unlock(above, LOCK_W); /* k's down pointer is set */
        if (spill != NULL) node_unlock(spill, LOCK_W);
        if (y->level == 0) {
            node_slots(m, y)[0].value = value;
            atomic_fetch_add_explicit(&m->len, 1, memory_order_relaxed);
            node_unlock(y, LOCK_W);
            node_unlock(x, LOCK_W);
            rc = BSKIP_INSERTED;
            goto done;
        }
        above = y;
        above_idx = 0;
        child = node_child_before(m, x, i);
        node_lock_ahead(m, child, LOCK_W); /* order: one level down */
        node_unlock(x, LOCK_W);   /* coupling: the child is held (y, above, too) */
        x = child;
    }
done:
    bskip__trace_op_event(m, 0, TRACE_PUT, key, h);
    return rc;
}

int bskip_put(bskip *m, int64_t key, int64_t value, int64_t *old_value) {
    if (m == NULL) return BSKIP_EINVAL;
    return bskip__put_with_height(m, key, value, old_value, true, bskip__draw_height(m));
}

int bskip_put_if_absent(bskip *m, int64_t key, int64_t value, int64_t *existing) {
    if (m == NULL) return BSKIP_EINVAL;
    return bskip__put_with_height(m, key, value, existing, false, bskip__draw_height(m));
}

int bskip__put_sorted_run(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                          size_t *done, int *next_height, int64_t *inserted) {
    /* Sizing: a new node of the run usually receives about cap/2 keys before the next one is
     * needed (keys ascend); the spare check in the loop below is what guarantees supply. */
    size_t max_keys = (size_t)(SPARE_MAX - 2) * (m->cap / 2 - 1);
    if (n > max_keys) n = max_keys;
    int rc = bskip__spare_reserve(m, (int)(2 + n / (m->cap / 2 - 1)));
    *done = 0;
    *next_height = 0;
    if (rc != BSKIP_OK) return rc;
    bskip__trace_op_event(m, 1, TRACE_PUT, keys[0], 1);
    node *x = descend_to_top(m, 1, keys[0], values[0], NULL, true, &rc);
    size_t j = x == NULL ? 1 : 0; /* NULL: keys[0] was taller and already had its value replaced */
    while (x != NULL) {
        int64_t key = keys[j];
        x = walk_right_to_place(m, x, key);
        uint32_t i = node_upper(x, key);
        if (i > 0 && node_keys(x)[i - 1] == key) {
            node_slots(m, x)[i - 1].value = values[j]; /* values live on level 0 only */
        } else {
            node *other;
            x = place_key(m, x, &i, key, &other);
            node_slots(m, x)[i].value = values[j];
            atomic_fetch_add_explicit(&m->len, 1, memory_order_relaxed);
            (*inserted)++;
            if (other != NULL) node_unlock(other, LOCK_W);
        }
        if (++j == n) break;
        /* Every node the run creates comes from the spares (one per overflow at most); the
         * reservation above is a sizing guess, this check is the guarantee: a run stops while a
         * spare is left, and put_ascending starts the next one with a fresh reservation. */
        if (bskip__spare_count() < 1) break;
        int h = bskip__draw_height(m);
        if (h > 1) { /* a promoted key takes the ordinary pass (it must split upper levels) */
            *next_height = h;
            break;
        }
    }
    if (x != NULL) node_unlock(x, LOCK_W);
    bskip__trace_op_event(m, 0, TRACE_PUT, keys[0], 1);
    *done = j;
    return BSKIP_OK;
}
