/* internal.h — node layout, map structure and in-node search shared by the core_c sources.
 *
 * Layout. A level is a singly linked list of nodes, leftmost a head sentinel that is never freed.
 * A node holds n sorted keys and, struct-of-arrays, n slots: at level 0 a slot is the key's value,
 * above level 0 it is the key's down pointer (the node the same key heads one level below).
 * Head nodes carry an implicit -infinity entry whose down pointer is `head_down`.
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
 * Which lock guards which field: `n`, `keys`, `slots`, `next`, `high`, `headed` are guarded by the node's
 * own rwlock (read under R or W, written under W). `level`, `is_head`, `head_down`, `id` are
 * immutable after creation. The map's `heads` array is immutable; `top` is atomic (only grows).
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

typedef union slot {
    int64_t value;  /* level 0 */
    node *child;    /* levels > 0 */
} slot;

_Static_assert(sizeof(slot) == sizeof(int64_t), "a slot is one 8-byte word");

struct node {
    node *next;        /* guarded by lock */
    int64_t high;      /* guarded by lock; first key of next, meaningful iff next != NULL */
    node *head_down;   /* immutable; heads above level 0 only */
    uint64_t id;       /* immutable; unique within the map, never reused (lock traces) */
    uint32_t n;        /* guarded by lock */
    uint16_t level;    /* immutable */
    uint8_t is_head;   /* immutable */
    uint8_t headed;    /* guarded by lock; invariant (6): set while an entry above may point here */
    bskip_rwlock lock; /* rwlock.h: 4 bytes (the header is 48 bytes, not 96 with pthread's) */
    int64_t words[];   /* keys[cap], then slots[cap] */
};

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

static inline int64_t *node_keys(node *x) { return x->words; }

static inline slot *node_slots(const bskip *m, node *x) {
    return (slot *)(x->words + m->cap);
}

/* Starts loading x's header and its key array into the cache, so that the binary search that
 * follows the lock finds its lines in flight (parallel misses instead of a dependent chain). */
static inline void node_prefetch(const bskip *m, const node *x) {
    const char *p = (const char *)x;
    size_t end = sizeof(node) + m->cap * sizeof(int64_t);
    for (size_t off = 0; off < end; off += 64) __builtin_prefetch(p + off);
}

/* The in-node search: the number of keys of keys[0..n) that are <= key (or_equal) or < key. A
 * branchless binary search (Khuong & Morin's "branch-free" lower bound): each step halves the
 * window [base, base + len) that contains the answer's boundary with a conditional move, not a
 * branch, because where a key falls in a node is random and a mispredicted branch costs more than
 * the compare (callgrind: two thirds of a read's mispredictions were this loop's). Invariant of the
 * loop: the answer is in [base, base + len], and base + len <= n, so every probe is in bounds; the
 * loop ends with len = 1 and one last compare. O(log n) dependent loads, no branch on the keys. */
static inline uint32_t keys_rank(const int64_t *keys, uint32_t n, int64_t key, bool or_equal) {
    if (n == 0) return 0;
    const int64_t *base = keys;
    uint32_t len = n;
    while (len > 1) {
        uint32_t half = len / 2;
        int64_t probe = base[half - 1];
        /* 0 or half by arithmetic on the compare's flag (setcc/cmov): gcc turns a `?:` here back
         * into a branch (checked in get.o's disassembly) */
        base += (size_t)(or_equal ? probe <= key : probe < key) * half;
        len -= half;
    }
    return (uint32_t)(base - keys) + (or_equal ? *base <= key : *base < key);
}

/* Number of keys in x that are <= key. REQUIRES: R or W lock on x. */
static inline uint32_t node_upper(const node *x, int64_t key) {
    return keys_rank(x->words, x->n, key, true);
}

/* Number of keys in x that are < key. REQUIRES: R or W lock on x. */
static inline uint32_t node_lower(const node *x, int64_t key) {
    return keys_rank(x->words, x->n, key, false);
}

/* The down pointer to follow from x for the entry at index i-1, where i keys of x precede the
 * search position; i == 0 is only possible in a head (its implicit -inf entry). */
static inline node *node_child_before(const bskip *m, node *x, uint32_t i) {
    return i == 0 ? x->head_down : node_slots(m, x)[i - 1].child;
}

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

/* Moves entries [from, x->n) of x into y starting at index `at` (y's entries from `at` on are
 * overwritten), leaving x with `from` entries and y with `at` + moved. */
void bskip__node_move_tail(const bskip *m, node *x, uint32_t from, node *y, uint32_t at);

#endif /* BSKIP_INTERNAL_H */
