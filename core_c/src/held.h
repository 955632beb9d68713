/* held.h — the set of level-0 read locks a two-phase reader (scan.c, position.c) holds.
 *
 * A two-phase reader read-locks level-0 nodes left to right and releases none until its snapshot
 * is taken (scan.c gives the argument). held_set records them: a small array on the caller's stack,
 * moved to the heap when a long walk outgrows it.
 * Invariants: nodes[0..count) are read-locked by the calling thread, in lock order (left to
 * right); held_release_all releases them all, last first, and frees the heap copy. If growing
 * fails, held_push returns BSKIP_ENOMEM and leaves the set as it was (the caller releases the node
 * it could not record, then everything).
 */
#ifndef BSKIP_HELD_H
#define BSKIP_HELD_H

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

/* An empty set: h->nodes points into h itself, so initialise it in place (never copy a set). */
static inline void held_init(held_set *h) {
    h->count = 0;
    h->capacity = HELD_ON_STACK;
    h->nodes = h->local;
}

static inline int held_push(held_set *h, node *x) {
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

/* Read-locks x's successor (order: right of every level-0 node held; none is released: 2PL) and
 * records it. Returns the successor, or NULL on BSKIP_ENOMEM (the successor is released again). */
static inline node *held_step_right(held_set *h, node *x) {
    node *nx = x->next;
    node_lock(nx, LOCK_R); /* order: right of every lock held on level 0, nothing above is held */
    if (held_push(h, nx) != BSKIP_OK) {
        node_unlock(nx, LOCK_R);
        return NULL;
    }
    return nx;
}

/* The shrinking phase: releases every lock of the set and frees its heap copy. */
static inline void held_release_all(held_set *h) {
    for (size_t j = h->count; j > 0; j--) node_unlock(h->nodes[j - 1], LOCK_R);
    if (h->nodes != h->local) free(h->nodes);
    h->nodes = h->local;
    h->count = 0;
    h->capacity = HELD_ON_STACK;
}

#endif /* BSKIP_HELD_H */
