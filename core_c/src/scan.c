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
#define _POSIX_C_SOURCE 200809L /* before any include: pthread rwlocks (internal.h) */
#endif
#include "held.h"
#include "internal.h"
#include "lock.h"

/* Read-lock coupling down to the level-0 node holding the greatest key <= lo (read-locked). */
static node *descend_to_level0(bskip *m, int64_t lo) {
    int top = atomic_load_explicit(&m->top, memory_order_acquire);
    node *x = m->heads[top];
    node_lock(x, LOCK_R); /* order: the first lock of this operation */
    for (;;) {
        x = walk_right(x, lo, false, LOCK_R);
        if (x->level == 0) return x;
        node *child = node_child_before(m, x, node_upper(x, lo));
        node_lock(child, LOCK_R); /* order: one level down */
        node_unlock(x, LOCK_R);   /* coupling: the child is held */
        x = child;
    }
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
        const int64_t *k = node_keys(x);
        const slot *s = node_slots(m, x);
        for (uint32_t i = node_lower(x, lo); i < x->n && (ring || count < cap); i++) {
            if (closed ? k[i] > hi : k[i] >= hi) break;
            size_t at = ring ? count % cap : count;
            keys[at] = k[i];
            if (values != NULL) values[at] = s[i].value;
            count++;
        }
        if ((!ring && count == cap) || x->next == NULL || (closed ? x->high > hi : x->high >= hi))
            break;
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

/* Where a descending scan for the cap greatest keys <= hi may start: at each level > 0 of a
 * read-coupled descent toward hi (a get-like walk), the key of the entry `back` entries before the
 * one it follows, back sized so that about cap level-0 keys lie between that key and hi; the
 * node's first key if it has fewer entries; INT64_MIN in a head. Written to cand[] (one per level
 * passed), sorted descending without duplicates; returns how many. The keys are hints: the scan
 * that starts from one checks what it finds. */
static int desc_starts(bskip *m, int64_t hi, size_t cap, int64_t *cand) {
    int top = atomic_load_explicit(&m->top, memory_order_acquire);
    node *x = m->heads[top];
    int n = 0;
    node_lock(x, LOCK_R); /* order: the first lock of this operation */
    for (;;) {
        x = walk_right(x, hi, false, LOCK_R);
        if (x->level == 0) break;
        uint32_t i = node_upper(x, hi);
        double want = 1.0 + (double)cap * entry_density(m, x->level);
        uint32_t back = want >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)want;
        int64_t c = i > back ? node_keys(x)[i - 1 - back] : x->is_head ? INT64_MIN : node_keys(x)[0];
        int at = n++;
        while (at > 0 && cand[at - 1] < c) { /* insertion sort, descending */
            cand[at] = cand[at - 1];
            at--;
        }
        cand[at] = c;
        if (at > 0 && cand[at - 1] == c) { /* a duplicate: drop it */
            for (int j = at; j < n - 1; j++) cand[j] = cand[j + 1];
            n--;
        }
        node *child = node_child_before(m, x, i);
        node_lock(child, LOCK_R); /* order: one level down */
        node_unlock(x, LOCK_R);   /* coupling: the child is held */
        x = child;
    }
    node_unlock(x, LOCK_R);
    return n;
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
 * read at least cap keys or when start <= lo. Otherwise the next attempt starts further left
 * (the starts come from desc_starts, the last one is lo itself), so the result is always the
 * snapshot of one attempt: as linearizable as bskip_scan_closed. Cost: O(log n + cap) per attempt
 * when the hint is good; an attempt that reads too few keys costs at most what the next one
 * reads. */
int64_t bskip_scan_desc(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values,
                        size_t cap) {
    if (m == NULL || lo > hi || (keys == NULL && cap > 0)) return BSKIP_EINVAL;
    if (cap == 0) return 0;
    int64_t starts[BSKIP_MAX_LEVELS + 1];
    bskip__trace_op_event(m, 1, TRACE_GET, hi, 0);
    int n = desc_starts(m, hi, cap, starts);
    bskip__trace_op_event(m, 0, TRACE_GET, hi, 0);
    starts[n++] = lo; /* the last attempt covers the whole range */
    for (int a = 0; a < n; a++) {
        int64_t start = starts[a] > lo ? starts[a] : lo;
        if (start > hi) continue;
        int64_t found = scan_range(m, start, hi, true, true, keys, values, cap);
        if (found < 0) return found;
        if ((size_t)found < cap && start > lo) continue; /* too few: start further left */
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
    return 0; /* unreachable: the last start is lo <= hi */
}
