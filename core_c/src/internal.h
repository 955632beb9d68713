/* internal.h — the map structure, its structural invariants and the functions the core_c sources
 * share (the node itself, its layout, search and entry movers: node.h, included below).
 *
 * Invariants (checked by bskip_validate on a quiescent map):
 *   (1) Keys are strictly ascending along every level (within and across nodes).
 *   (2) Every key at level i > 0 is present at level i-1 as the first key of the node its slot
 *       points to ("k heads that node").
 *   (3) No node but a head is empty; 0 <= n <= cap.
 *   (4) `high` of a node with a successor equals the successor's first key (the fence that lets a
 *       thread decide to move right without touching the successor).
 *   (5) The map's `len` equals the number of keys at level 0.
 *   (6) A node that an entry on the level above points to has `headed` set. (The converse need
 *       not hold: `headed` may stay set on a node that lost its parent entry.) A node with
 *       `headed` clear may therefore have its first key changed (insert.c moves entries into it).
 * A non-head node need not have a parent entry: overflow splits and deletes leave "parentless"
 * nodes that are reached through `next` only (see insert.c for the scheme and its cost).
 *
 * Which lock guards which node field: node.h. The map's `heads` array is immutable; `top` is
 * atomic (only grows).
 */
#ifndef BSKIP_INTERNAL_H
#define BSKIP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bskip.h"
#include "rwlock.h"

/* Every core source defines its feature macro (_POSIX_C_SOURCE 200809L, or _GNU_SOURCE) itself,
 * before its first include, so that it compiles with plain -std=c11 and no -D (glibc's features.h
 * sets _POSIX_C_SOURCE from either). A new source that forgets fails here, not somewhere below. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L (or _GNU_SOURCE) at the top of this .c file, before any include"
#endif

#define BSKIP_MAX_LEVELS 32

typedef struct node node;

/* A map's node memory (pool.c): slabs carved into nodes, and a free list. Guarded by mu. */
typedef struct bskip_pool {
    pthread_mutex_t mu;
    void *slabs;            /* newest first, linked through each slab's first word */
    char *carve, *carve_end; /* the newest slab's nodes never used yet */
    node *free_list;        /* freed nodes, linked through their last word */
    size_t next_slab_nodes; /* nodes in the next slab (doubling up to about 1 MiB) */
} bskip_pool;

struct bskip {
    node *heads[BSKIP_MAX_LEVELS]; /* immutable after bskip_new */
    atomic_int top;                /* highest level that may hold keys; only grows */
    uint32_t cap;                  /* keys per node */
    size_t node_bytes;
    uint64_t promote_threshold;    /* draw < threshold <=> promote one more level */
    uint64_t seed;
    uint64_t serial;               /* unique per map in this process (per-thread RNG ownership) */
    atomic_uint_fast64_t rng_streams; /* per-thread RNG streams handed out so far */
    atomic_uint_fast64_t next_id;  /* node ids */
    atomic_size_t len;             /* relaxed counter; exact at quiescence */
    bskip_pool pool;               /* node memory (pool.c) */
    bskip *reg_prev, *reg_next;    /* pool.c's registry of live maps; guarded by its mutex */
};

#include "node.h" /* the node; its helpers need struct bskip above */

/* Internal functions shared between the core's files are named bskip__* (double underscore): the
 * static library then defines no global name outside the bskip_ prefix, so a program may have a
 * node_alloc or spare_take of its own; libbskip.so exports none of them (-fvisibility=hidden, only
 * the BSKIP_API functions of the public headers are exported). `make check-exports` checks both. */

/* Heap allocation (alloc.c): fails on demand in -DBSKIP_FAILALLOC builds. Free with free(). */
void *bskip__malloc(size_t bytes);
void *bskip__calloc(size_t count, size_t size);
void *bskip__aligned_alloc(size_t align, size_t bytes);

/* Node memory (pool.c): m's slabs, its free list and the registry of live maps. A node from
 * bskip__node_alloc or bskip__spare_take has its lock initialised and its header set, empty;
 * bskip__node_free gives it back to m (the calling thread's spares first), for reuse at once. */
int bskip__pool_init(bskip *m);
void bskip__pool_destroy(bskip *m);
void bskip__registry_add(bskip *m);
void bskip__registry_remove(bskip *m);
node *bskip__node_alloc(bskip *m, int level, bool is_head);
void bskip__node_free(bskip *m, node *x);

/* Insertion entry points shared with batch.c (insert.c). bskip__put_sorted_run REQUIRES keys
 * strictly ascending and n >= 1, and the first key's height already drawn as 1; it stops after
 * *done keys, setting *next_height to the height drawn for keys[*done] when that one must take
 * bskip__put_with_height instead (0 if it stopped for another reason). */
int bskip__put_with_height(bskip *m, int64_t key, int64_t value, int64_t *old_value, bool replace,
                           int h);
int bskip__put_sorted_run(bskip *m, const int64_t *keys, const int64_t *values, size_t n,
                          size_t *done, int *next_height, int64_t *inserted);

/* Per-thread spare nodes so that an insert can reserve every node it may need before it takes a
 * lock (an insert never fails half way). */
#define SPARE_MAX (2 * BSKIP_MAX_LEVELS + 2)
int bskip__spare_reserve(bskip *m, int count);
node *bskip__spare_take(bskip *m, int level);
int bskip__spare_count(void); /* spares the calling thread holds now */
void bskip__spare_release_thread(void);

/* Height of a new key, drawn from the calling thread's RNG stream for m (1..BSKIP_MAX_LEVELS). */
int bskip__draw_height(bskip *m);

#endif /* BSKIP_INTERNAL_H */
