/* node.h — a node: its layout, the in-node search, and the entry movers (included by internal.h).
 *
 * Layout. A level is a singly linked list of nodes, leftmost a head sentinel that is never freed.
 * A node holds n sorted keys and, struct-of-arrays, n slots: at level 0 a slot is the key's value,
 * above level 0 it is the key's down pointer (the node the same key heads one level below).
 * Head nodes carry an implicit -infinity entry whose down pointer is `head_down`. Nodes are 64-byte
 * aligned (pool.c) and the header is 48 bytes: all of it — `next`, `high`, `n` and the lock, read
 * by every step — lies in the node's first cache line, with the first two keys.
 *
 * Which lock guards which field: `n`, `keys`, `slots`, `next`, `high`, `headed` are guarded by the
 * node's own rwlock (read under R or W, written under W). `level`, `is_head`, `head_down`, `id` are
 * immutable after creation. The structural invariants the fields keep are internal.h's (1)-(6).
 *
 * Everything here is static inline: the search and the movers are the inner loops of every
 * operation, and inlining keeps the shared library exporting only bskip_* names.
 */
#ifndef BSKIP_NODE_H
#define BSKIP_NODE_H

#ifndef BSKIP_INTERNAL_H
#error "include internal.h, not node.h: a node's helpers need the map (its capacity) defined first"
#endif

#include <string.h>

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

_Static_assert(sizeof(node) <= 64, "the node header fits the node's first cache line");

static inline int64_t *node_keys(node *x) { return x->words; }

static inline slot *node_slots(const bskip *m, node *x) {
    return (slot *)(x->words + m->cap);
}

/* Asks for every 64-byte line of [p, p + bytes) to be loaded: a hint only, safe on any address. */
static inline void prefetch_lines(const void *p, size_t bytes) {
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch((const char *)p + off);
}

/* Starts loading x's header and its key array into the cache, so that the binary search that
 * follows the lock finds its lines in flight (parallel misses instead of a dependent chain). */
static inline void node_prefetch(const bskip *m, const node *x) {
    prefetch_lines(x, sizeof(node) + m->cap * sizeof(int64_t));
}

/* Starts loading x's slot array too (node_prefetch covers the header and the keys): for a reader
 * that is about to copy values out of x. */
static inline void node_prefetch_slots(const bskip *m, const node *x) {
    prefetch_lines(x->words + m->cap, m->cap * sizeof(slot));
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

/* ---- the entry movers: every change to a node's entries goes through one of these ------------
 * REQUIRES (all): every node they touch is write-locked by the caller, and the move keeps keys
 * ascending along the level (the caller picks the positions); `n` and the arrays change together,
 * and no mover touches `next`, `high` or `headed` (the caller keeps the fence and invariant 6). */

/* Opens a gap at index pos of x (x->n < cap) and writes key there; the slot is the caller's. */
static inline void node_insert_at(const bskip *m, node *x, uint32_t pos, int64_t key) {
    int64_t *keys = node_keys(x);
    slot *slots = node_slots(m, x);
    memmove(keys + pos + 1, keys + pos, (x->n - pos) * sizeof(int64_t));
    memmove(slots + pos + 1, slots + pos, (x->n - pos) * sizeof(slot));
    keys[pos] = key;
    x->n++;
}

/* Closes the entry at index pos of x (pos < x->n). */
static inline void node_remove_at(const bskip *m, node *x, uint32_t pos) {
    int64_t *keys = node_keys(x);
    slot *slots = node_slots(m, x);
    memmove(keys + pos, keys + pos + 1, (x->n - pos - 1) * sizeof(int64_t));
    memmove(slots + pos, slots + pos + 1, (x->n - pos - 1) * sizeof(slot));
    x->n--;
}

/* Moves entries [from, x->n) of x into y starting at index `at` (y's entries from `at` on are
 * overwritten), leaving x with `from` entries and y with `at` + moved. */
static inline void node_move_tail(const bskip *m, node *x, uint32_t from, node *y, uint32_t at) {
    uint32_t count = x->n - from;
    memcpy(node_keys(y) + at, node_keys(x) + from, count * sizeof(int64_t));
    memcpy(node_slots(m, y) + at, node_slots(m, x) + from, count * sizeof(slot));
    y->n = at + count;
    x->n = from;
}

/* Moves entries [from, x->n) of x to the front of y (y keeps its own entries after them). */
static inline void node_prepend_tail(const bskip *m, node *x, uint32_t from, node *y) {
    uint32_t count = x->n - from;
    memmove(node_keys(y) + count, node_keys(y), y->n * sizeof(int64_t));
    memmove(node_slots(m, y) + count, node_slots(m, y), y->n * sizeof(slot));
    memcpy(node_keys(y), node_keys(x) + from, count * sizeof(int64_t));
    memcpy(node_slots(m, y), node_slots(m, x) + from, count * sizeof(slot));
    y->n += count;
    x->n = from;
}

/* Moves entries [0, count) of y to the end of x (y keeps the rest, shifted down). */
static inline void node_append_head(const bskip *m, node *y, uint32_t count, node *x) {
    memcpy(node_keys(x) + x->n, node_keys(y), count * sizeof(int64_t));
    memcpy(node_slots(m, x) + x->n, node_slots(m, y), count * sizeof(slot));
    memmove(node_keys(y), node_keys(y) + count, (y->n - count) * sizeof(int64_t));
    memmove(node_slots(m, y), node_slots(m, y) + count, (y->n - count) * sizeof(slot));
    x->n += count;
    y->n -= count;
}

#endif /* BSKIP_NODE_H */
