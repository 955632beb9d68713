/* scan.c — bskip_scan: a linearizable range scan by two-phase read locking along level 0.
 *
 * The scan descends like bskip_get (read-lock coupling) to the level-0 node that holds the
 * greatest key <= lo, then read-locks level-0 nodes left to right, *keeping* every lock, until the
 * range or the capacity is exhausted; it copies the keys while all those locks are held and then
 * releases them all (growing phase, then shrinking phase: two-phase locking).
 *
 * Why the result is one atomic snapshot: every change to a key in [lo, hi) on level 0 — insert,
 * replace, delete, split, merge — happens under the write lock of the level-0 node(s) involved,
 * and a key never moves to a node left of the one it was in except by a merge that holds both.
 * At the moment the scan holds its last lock, it holds read locks on every level-0 node that holds
 * a key of its output range, so no writer is inside any of them; the keys it copies are exactly the
 * map's keys in that range at that moment, which is the linearization point. (A writer that
 * changed a node the scan had already passed must have done so before the scan locked that node:
 * the scan still holds it.)
 *
 * Deadlock: the scan takes locks only to the right on level 0 and never releases one before the
 * end, so each acquisition is greater in the global order than every lock it holds.
 *
 * The locks held are tracked in a small on-stack array that grows on the heap for long scans; if
 * that allocation fails, the scan releases everything and returns BSKIP_ENOMEM.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include <string.h>

#include "held.h"
#include "internal.h"
#include "walk.h"

/* Copies entries [from, to) of x (read-locked) to the output from position `count` on, `ring`:
 * modulo cap (the caller guarantees count + to - from <= cap otherwise), in runs of memcpy; returns
 * the new count. */
static size_t copy_out(const bskip *m, node *x, uint32_t from, uint32_t to, bool ring,
                       int64_t *keys, int64_t *values, size_t cap, size_t count) {
    while (from < to) {
        size_t at = ring ? count % cap : count;
        size_t run = to - from;
        if (run > cap - at) run = cap - at;
        memcpy(keys + at, node_keys(x) + from, run * sizeof(int64_t));
        /* a level-0 slot is its value (node.h: an 8-byte union), so the slots copy as values */
        if (values != NULL) memcpy(values + at, node_slots(m, x) + from, run * sizeof(slot));
        count += run;
        from += (uint32_t)run;
    }
    return count;
}

/* Keys in [lo, hi) (or [lo, hi] when `closed`) as one snapshot. Not `ring`: the first cap of them
 * go to keys[0..cap) and the count is returned. `ring`: all of them are read and the last cap are
 * kept, the i-th key found at keys[i % cap]; the number found (which may exceed cap) is returned. */
static int64_t scan_range(bskip *m, int64_t lo, int64_t hi, bool closed, bool ring,
                          int64_t *keys, int64_t *values, size_t cap) {
    if (m == NULL || lo > hi || (keys == NULL && cap > 0)) return BSKIP_EINVAL;
    if ((lo == hi && !closed) || cap == 0) return 0;
    bskip__trace_op_event(m, 1, TRACE_SCAN, lo, 0);
    held_set held;
    held_init(&held);
    node *x = descend_to_level0(m, lo);
    held_push(&held, x); /* cannot fail: the stack array is empty */
    size_t count = 0;
    int rc = BSKIP_OK;
    for (;;) {
        /* x's keys in the range are [from, to): at most cap - count of them when not `ring` */
        uint32_t from = node_lower(x, lo);
        uint32_t to = keys_rank(node_keys(x), x->n, hi, closed);
        if (!ring && to - from > cap - count) to = from + (uint32_t)(cap - count);
        bool last = x->next == NULL || (closed ? x->high > hi : x->high >= hi);
        if (!last && (ring || count + (to - from) < cap)) {
            /* the scan steps right next: the successor's lines load while x's entries are copied
             * (x is read-locked, so x->next is stable; a prefetch is only a hint) */
            node_prefetch(m, x->next);
            if (values != NULL) node_prefetch_slots(m, x->next);
        }
        count = copy_out(m, x, from, to, ring, keys, values, cap, count);
        if ((!ring && count == cap) || last) break;
        x = held_step_right(&held, x); /* order and 2PL: see held.h */
        if (x == NULL) {
            rc = BSKIP_ENOMEM;
            break;
        }
    }
    held_release_all(&held); /* shrinking phase: the snapshot is taken */
    bskip__trace_op_event(m, 0, TRACE_SCAN, lo, 0);
    return rc == BSKIP_OK ? (int64_t)count : rc;
}

int64_t bskip_scan(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values, size_t cap) {
    return scan_range(m, lo, hi, false, false, keys, values, cap);
}

int64_t bskip_scan_closed(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values,
                          size_t cap) {
    return scan_range(m, lo, hi, true, false, keys, values, cap);
}

int bskip_ceiling(bskip *m, int64_t key, int64_t *found_key, int64_t *value) {
    int64_t k, v;
    int64_t n = scan_range(m, key, INT64_MAX, true, false, &k, &v, 1);
    if (n < 0) return (int)n;
    if (n == 0) return BSKIP_NOT_FOUND;
    if (found_key != NULL) *found_key = k;
    if (value != NULL) *value = v;
    return BSKIP_OK;
}

int bskip_floor(bskip *m, int64_t key, int64_t *found_key, int64_t *value) {
    if (m == NULL) return BSKIP_EINVAL;
    bskip__trace_op_event(m, 1, TRACE_GET, key, 0);
    node *x = descend_to_level0(m, key); /* holds the greatest key <= key, if there is one */
    uint32_t i = node_upper(x, key);
    int rc = BSKIP_NOT_FOUND;
    if (i > 0) {
        if (found_key != NULL) *found_key = node_keys(x)[i - 1];
        if (value != NULL) *value = node_slots(m, x)[i - 1].value;
        rc = BSKIP_OK;
    }
    node_unlock(x, LOCK_R);
    bskip__trace_op_event(m, 0, TRACE_GET, key, 0);
    return rc;
}

/* p^level for the map's promotion probability p: about how many level-`level` entries there are
 * per level-0 key. */
static double entry_density(const bskip *m, int level) {
    double p = (double)m->promote_threshold / 18446744073709551616.0, d = 1.0;
    for (int i = 0; i < level; i++) d *= p;
    return d;
}

/* x (>= 0) as a uint32_t, UINT32_MAX when it does not fit. */
static uint32_t u32_saturating(double x) {
    return x >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

/* How many entries before the one a descent toward hi follows at `level` (> 0) hold about 1.5 cap
 * level-0 keys after them: each level-`level` entry heads about 1/p^level keys. The 1.5 is the
 * overscan that makes a first attempt that reads too few keys rare (the entry counts vary). */
static uint32_t entries_back(const bskip *m, int level, size_t cap) {
    return u32_saturating(1.0 + 1.5 * (double)cap * entry_density(m, level));
}

/* Where a descending scan for the `need` greatest keys <= hi may start (a hint, <= hi): from a
 * read-coupled descent toward hi (a get-like walk), the greatest of one key per level > 0: the key
 * of the entry `back` (entries_back) entries before the one the walk follows there; when the node
 * holding that entry has fewer entries before it, the key `back` entries before the end of the
 * node the walk passed just before (more than back entries back, in all), or the node's first key
 * when the walk began in that node, or INT64_MIN in a head. So that the walk one level down passes
 * the entries its own hint needs, the descent goes down through the entry a few entries before the
 * followed one (it then walks right to hi: the child of an earlier entry holds only keys below
 * the followed entry's child). The scan that starts from the hint checks what it finds. */
static int64_t desc_hint(bskip *m, int64_t hi, size_t need) {
    int top = atomic_load_explicit(&m->top, memory_order_acquire);
    node *x = m->heads[top];
    int64_t hint = INT64_MIN;
    node_lock(x, LOCK_R); /* order: the first lock of this operation */
    for (;;) {
        uint32_t back = x->level > 0 ? entries_back(m, x->level, need) : 0;
        int64_t prev_c = INT64_MIN; /* the hint from the node passed last, if any */
        bool passed = false;
        while (x->next != NULL && x->high <= hi) { /* walk_right, remembering prev_c */
            node *nx = x->next;
            node_lock_ahead(m, nx, LOCK_R); /* order: right of x on the same level */
            if (x->level > 0) {
                prev_c = x->n > back ? node_keys(x)[x->n - back]
                         : x->is_head ? INT64_MIN : node_keys(x)[0];
                passed = true;
            }
            node_unlock(x, LOCK_R); /* coupling: released only once nx is held */
            x = nx;
        }
        if (x->level == 0) break;
        uint32_t i = node_upper(x, hi);
        int64_t c = i > back ? node_keys(x)[i - 1 - back]
                    : passed ? prev_c
                    : x->is_head ? INT64_MIN : node_keys(x)[0];
        if (c > hint) hint = c;
        /* Down through the entry `down` entries before the followed one (i - 1): about the
         * entries the next level's hint needs, plus one (from level 1: the followed one). i >= 1
         * outside a head (its first key is <= hi: the walk entered it); i == 0 in a head is its
         * implicit -inf entry. */
        double below = x->level > 1 ? (double)entries_back(m, x->level - 1, need) : 0.0;
        uint32_t down = u32_saturating(below * entry_density(m, 1) + 1.0);
        uint32_t j = x->level == 1 ? i /* level 0 gives no hint: the usual child */
                     : i > down ? i - down : x->is_head ? 0 : 1;
        node *child = node_child_before(m, x, j);
        node_lock_ahead(m, child, LOCK_R); /* order: one level down */
        node_unlock(x, LOCK_R);   /* coupling: the child is held */
        x = child;
    }
    node_unlock(x, LOCK_R);
    return hint;
}

static void reverse_range(int64_t *a, size_t from, size_t to) {
    while (from + 1 < to) {
        int64_t t = a[from];
        a[from++] = a[--to];
        a[to] = t;
    }
}

/* A descending scan is a sequence of attempts, each an ascending two-phase scan of [start, hi]
 * that keeps the last cap keys it reads (scan_range's ring mode): the attempt is one snapshot of
 * [start, hi], so its last cap keys are the cap greatest keys of [lo, hi] at that moment when it
 * read at least cap keys or when start <= lo. Otherwise the next attempt starts further left: at
 * the hint for the keys still missing left of the last start, asked for twice as many as the last
 * attempt was (so the range an attempt covers grows geometrically and all the attempts together
 * cost O(what the last reads)); every start is below the one before, so the attempts end, at the
 * latest with start = lo. The result is always the snapshot of one attempt: as linearizable as
 * bskip_scan_closed. Cost: O(log n + cap) when the first hint is good (entries_back overscans by
 * half to make that the common case). */
int64_t bskip_scan_desc(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values,
                        size_t cap) {
    if (m == NULL || lo > hi || (keys == NULL && cap > 0)) return BSKIP_EINVAL;
    if (cap == 0) return 0;
    int64_t below = hi; /* the hint is for the keys <= below */
    size_t need = cap;
    for (;;) {
        bskip__trace_op_event(m, 1, TRACE_GET, below, 0);
        int64_t hint = desc_hint(m, below, need);
        bskip__trace_op_event(m, 0, TRACE_GET, below, 0);
        int64_t start = hint > lo ? hint : lo; /* <= below <= hi */
        int64_t found = scan_range(m, start, hi, true, true, keys, values, cap);
        if (found < 0) return found;
        if ((size_t)found < cap && start > lo) { /* too few: start further left */
            size_t missing = cap - (size_t)found;
            need = need > SIZE_MAX / 2 ? SIZE_MAX : 2 * need;
            if (need < missing) need = missing;
            below = start - 1; /* start > lo >= INT64_MIN */
            continue;
        }
        /* keys[] holds the last min(found, cap) keys read, oldest at found % cap when it wrapped:
         * ascending order is keys[r..n) then keys[0..r); reversing both parts gives descending. */
        size_t got = (size_t)found < cap ? (size_t)found : cap;
        size_t r = (size_t)found > cap ? (size_t)found % cap : 0;
        reverse_range(keys, 0, r);
        reverse_range(keys, r, got);
        if (values != NULL) {
            reverse_range(values, 0, r);
            reverse_range(values, r, got);
        }
        return (int64_t)got;
    }
}
