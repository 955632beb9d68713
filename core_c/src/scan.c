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
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lock.h"

#define HELD_ON_STACK 64

typedef struct held_set {
    node **nodes;
    size_t count, capacity;
    node *local[HELD_ON_STACK];
} held_set;

static int held_push(held_set *h, node *x) {
    if (h->count == h->capacity) {
        size_t cap = h->capacity * 2;
        node **grown = bskip__malloc(cap * sizeof *grown);
        if (grown == NULL) return BSKIP_ENOMEM;
        memcpy(grown, h->nodes, h->count * sizeof *grown);
        if (h->nodes != h->local) free(h->nodes);
        h->nodes = grown;
        h->capacity = cap;
    }
    h->nodes[h->count++] = x;
    return BSKIP_OK;
}

static void held_release_all(held_set *h) {
    for (size_t j = h->count; j > 0; j--) node_unlock(h->nodes[j - 1], LOCK_R);
    if (h->nodes != h->local) free(h->nodes);
}

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

/* Keys in [lo, hi) (or [lo, hi] when `closed`), at most cap, as one snapshot. */
static int64_t scan_range(bskip *m, int64_t lo, int64_t hi, bool closed, int64_t *keys,
                          int64_t *values, size_t cap) {
    if (m == NULL || lo > hi || (keys == NULL && cap > 0)) return BSKIP_EINVAL;
    if ((lo == hi && !closed) || cap == 0) return 0;
    bskip__trace_op_event(m, 1, TRACE_SCAN, lo, 0);
    held_set held = {.count = 0, .capacity = HELD_ON_STACK};
    held.nodes = held.local;
    node *x = descend_to_level0(m, lo);
    held_push(&held, x); /* cannot fail: the stack array is empty */
    size_t count = 0;
    int rc = BSKIP_OK;
    for (;;) {
        const int64_t *k = node_keys(x);
        const slot *s = node_slots(m, x);
        for (uint32_t i = node_lower(x, lo); i < x->n && count < cap; i++) {
            if (closed ? k[i] > hi : k[i] >= hi) break;
            keys[count] = k[i];
            if (values != NULL) values[count] = s[i].value;
            count++;
        }
        if (count == cap || x->next == NULL || (closed ? x->high > hi : x->high >= hi)) break;
        node *nx = x->next;
        node_lock(nx, LOCK_R); /* order: right of every level-0 node held; none released (2PL) */
        rc = held_push(&held, nx);
        if (rc != BSKIP_OK) {
            node_unlock(nx, LOCK_R);
            break;
        }
        x = nx;
    }
    held_release_all(&held); /* shrinking phase: the snapshot is taken */
    bskip__trace_op_event(m, 0, TRACE_SCAN, lo, 0);
    return rc == BSKIP_OK ? (int64_t)count : rc;
}

int64_t bskip_scan(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values, size_t cap) {
    return scan_range(m, lo, hi, false, keys, values, cap);
}

int64_t bskip_scan_closed(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values,
                          size_t cap) {
    return scan_range(m, lo, hi, true, keys, values, cap);
}

int bskip_ceiling(bskip *m, int64_t key, int64_t *found_key, int64_t *value) {
    int64_t k, v;
    int64_t n = scan_range(m, key, INT64_MAX, true, &k, &v, 1);
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
