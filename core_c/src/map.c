/* map.c — a map's lifetime (bskip_new with its options, bskip_free), its size and shape queries
 * and the status strings. Node memory and spare nodes: pool.c; heights: height.c; a node: node.h.
 *
 * Invariant: a map is in pool.c's registry of live maps from the end of bskip_new to the start of
 * bskip_free; its nodes (heads included) all come from its own pool.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* before any include */
#endif
#include <stdlib.h>

#include "internal.h"

/* Map serials: unique per map in this process, never reused (height.c's per-thread RNG and
 * pool.c's spare caches tell maps apart by them, even a new map at a freed one's address). */
static atomic_uint_fast64_t map_serials = 1;

/* ---- lifetime ----------------------------------------------------------------------------- */

int bskip_new(bskip **out, const bskip_options *opts) {
    if (out == NULL) return BSKIP_EINVAL;
    *out = NULL;
    size_t bytes = opts && opts->node_bytes ? opts->node_bytes : BSKIP_DEFAULT_NODE_BYTES;
    if (bytes < 256 || bytes > 65536) return BSKIP_EINVAL;
    size_t cap = (bytes - sizeof(node)) / (sizeof(int64_t) + sizeof(slot));
    /* Default p = 1/(2 cap): runs between promoted keys average two nodes. The project's first
     * design note suggested 1/(cap/2); measured at 10^6 random keys with 1024-byte nodes that
     * gives 47.8 bytes/key against 30.4 here, at the same put/get speed (README, "Design"). */
    double p = opts && opts->promote_prob != 0.0 ? opts->promote_prob : 1.0 / (2.0 * (double)cap);
    if (!(p > 0.0 && p < 1.0)) return BSKIP_EINVAL; /* also rejects NaN */

    bskip *m = bskip__calloc(1, sizeof *m);
    if (m == NULL) return BSKIP_ENOMEM;
    if (bskip__pool_init(m) != BSKIP_OK) {
        free(m);
        return BSKIP_ESYS;
    }
    m->cap = (uint32_t)cap;
    /* The pool carves nodes node_bytes apart from a 64-byte aligned start: rounding the stride up
     * to 64 keeps every node 64-byte aligned (and its int64_t arrays aligned) whatever size the
     * caller asked for; the capacity above comes from the size asked for, so it still fits. */
    m->node_bytes = (bytes + 63) & ~(size_t)63;
    m->promote_threshold = (uint64_t)(p * 18446744073709551616.0);
    m->seed = opts && opts->seed ? opts->seed : 0x5eed5eed5eedull;
    m->serial = atomic_fetch_add_explicit(&map_serials, 1, memory_order_relaxed);
    atomic_init(&m->top, 0);
    atomic_init(&m->rng_streams, 0);
    atomic_init(&m->next_id, 1);
    atomic_init(&m->len, 0);
    bskip__registry_add(m);
    for (int lvl = 0; lvl < BSKIP_MAX_LEVELS; lvl++) {
        m->heads[lvl] = bskip__node_alloc(m, lvl, true);
        if (m->heads[lvl] == NULL) {
            bskip_free(m);
            return BSKIP_ENOMEM;
        }
        if (lvl > 0) m->heads[lvl]->head_down = m->heads[lvl - 1];
    }
    *out = m;
    return BSKIP_OK;
}

void bskip_free(bskip *m) {
    if (m == NULL) return;
    bskip__registry_remove(m);     /* first: a spare cache holding m's nodes now forgets them */
    bskip__spare_release_thread(); /* the caller's cache (the main thread's has no destructor) */
    bskip__pool_destroy(m);        /* every node of m, linked or not, goes with its slabs */
    free(m);
}

size_t bskip_len(bskip *m) {
    return m ? atomic_load_explicit(&m->len, memory_order_relaxed) : 0;
}

size_t bskip_node_capacity(const bskip *m) { return m ? m->cap : 0; }

int bskip_height(bskip *m) {
    return m ? atomic_load_explicit(&m->top, memory_order_relaxed) + 1 : 0;
}

size_t bskip_memory_bytes(bskip *m) {
    if (m == NULL) return 0;
    size_t total = sizeof *m;
    for (int lvl = 0; lvl < BSKIP_MAX_LEVELS; lvl++)
        for (node *x = m->heads[lvl]; x != NULL; x = x->next) total += m->node_bytes;
    return total;
}

const char *bskip_strerror(int code) {
    switch (code) {
    case BSKIP_OK: return "ok";
    case BSKIP_INSERTED: return "inserted a new key";
    case BSKIP_REPLACED: return "replaced the value of an existing key";
    case BSKIP_NOT_FOUND: return "key not found";
    case BSKIP_ENOMEM: return "out of memory (the map is unchanged)";
    case BSKIP_EINVAL: return "invalid argument";
    case BSKIP_ECORRUPT: return "structural invariant broken";
    case BSKIP_ESYS: return "system call failed";
    case BSKIP_ENOTSUP: return "feature not compiled into this build";
    default: return "unknown bskip status code";
    }
}
