/* map.c — map lifetime, options, the entry mover and the height RNG (node memory and spare
 * nodes: pool.c).
 *
 * Invariants:
 *   (1) A map is in pool.c's registry of live maps from the end of bskip_new to the start of
 *       bskip_free; its nodes (heads included) all come from its own pool.
 *   (2) Heights come from a per-thread xorshift stream owned by (thread, map); streams are seeded
 *       from the map's seed and the order in which threads first insert, so a single-threaded run
 *       with a given seed is reproducible.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* before any include */
#endif
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void bskip__node_move_tail(const bskip *m, node *x, uint32_t from, node *y, uint32_t at) {
    uint32_t count = x->n - from;
    memcpy(node_keys(y) + at, node_keys(x) + from, count * sizeof(int64_t));
    memcpy(node_slots(m, y) + at, node_slots(m, x) + from, count * sizeof(slot));
    y->n = at + count;
    x->n = from;
}

/* ---- heights ------------------------------------------------------------------------------ */

static atomic_uint_fast64_t map_serials = 1;

static _Thread_local struct {
    uint64_t serial; /* the map whose stream `state` is; 0 = none */
    uint64_t state;
} tl_rng;

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int bskip__draw_height(bskip *m) {
    if (tl_rng.serial != m->serial) {
        uint64_t stream = atomic_fetch_add_explicit(&m->rng_streams, 1, memory_order_relaxed);
        tl_rng.state = splitmix64(m->seed ^ splitmix64(stream)) | 1;
        tl_rng.serial = m->serial;
    }
    int h = 1;
    for (;;) {
        /* xorshift64* */
        uint64_t s = tl_rng.state;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        tl_rng.state = s;
        uint64_t r = s * 0x2545F4914F6CDD1Dull;
        if (h >= BSKIP_MAX_LEVELS || r >= m->promote_threshold) return h;
        h++;
    }
}

/* ---- lifetime ----------------------------------------------------------------------------- */

int bskip_new(bskip **out, const bskip_options *opts) {
    if (out == NULL) return BSKIP_EINVAL;
    *out = NULL;
    size_t bytes = opts && opts->node_bytes ? opts->node_bytes : BSKIP_DEFAULT_NODE_BYTES;
    if (bytes < 256 || bytes > 65536) return BSKIP_EINVAL;
    size_t cap = (bytes - sizeof(node)) / (sizeof(int64_t) + sizeof(slot));
    /* Default p = 1/(2 cap): runs between promoted keys average two nodes. DESIGN.md suggests
     * 1/(cap/2); measured at 10^6 random keys with 1024-byte nodes that gives 47.8 bytes/key
     * against 30.4 here, at the same put/get speed (README, "Design"). */
    double p = opts && opts->promote_prob != 0.0 ? opts->promote_prob : 1.0 / (2.0 * (double)cap);
    if (!(p > 0.0 && p < 1.0)) return BSKIP_EINVAL; /* also rejects NaN */

    bskip *m = bskip__calloc(1, sizeof *m);
    if (m == NULL) return BSKIP_ENOMEM;
    if (bskip__pool_init(m) != BSKIP_OK) {
        free(m);
        return BSKIP_ESYS;
    }
    m->cap = (uint32_t)cap;
    m->node_bytes = bytes;
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
