/* pool.c — node memory: per-map slabs, the map's free list, and each thread's spare nodes.
 *
 * A map's nodes are carved from slabs: a few large blocks from bskip__aligned_alloc (one
 * allocator header per slab instead of one per node, no alignment slack per node). A slab holds
 * POOL_FIRST_SLAB nodes at first, doubling per slab up to about POOL_SLAB_BYTES; in a
 * -DBSKIP_FAILALLOC build every slab holds one node, so each node taken is one allocation that
 * a test can make fail, as before slabs.
 *
 * Invariants:
 *   (1) Every node of map m lies in one of m's slabs, is m->node_bytes long and 64-byte aligned
 *       (slabs are, and bskip_new rounds node_bytes up to a multiple of 64), and is in exactly one
 *       place: carved but never used (not yet), linked into m, on m's free list, in one
 *       thread's spare cache for m, or owned by the one insert (between take and link) or delete
 *       (between unlink and free) that has it. Its lock is initialised (unlocked)
 *       whenever it leaves the pool for use. A freed node's lock is unlocked and no thread holds
 *       or waits for it (delete.c's reclamation argument, proved in spec/), so reusing it at once
 *       is safe: immediate reclamation, with the memory kept in the map until bskip_free.
 *   (2) An insert calls bskip__spare_reserve for its worst case *before* taking any lock, so the
 *       nodes it creates under locks come from bskip__spare_take, which cannot fail. This is what
 *       lets a failed allocation return BSKIP_ENOMEM with the map unchanged.
 *   (3) A thread's spare cache holds nodes of one map, its owner (pointer and serial). m's slabs
 *       are returned only by pool_destroy (bskip_free), after m has left the registry of live
 *       maps under registry_mu; a cache whose owner is not in the registry forgets its nodes
 *       (they went with the slabs). Nodes go back to a live owner only under registry_mu, so the
 *       owner cannot be freed meanwhile. Lock order: registry_mu, then a pool's mu; neither is
 *       held while a node lock is requested (a delete frees under node locks: it takes only the
 *       pool's mu, a leaf).
 *   (4) Under AddressSanitizer a node outside use (free list, spare cache, not yet carved) is
 *       poisoned, so a use after free of a node is still reported although its memory is reused.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* before any include */
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lock.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifdef BSKIP_FAILALLOC
#define POOL_FIRST_SLAB 1
#define POOL_SLAB_BYTES 0 /* one node per slab */
#else
#define POOL_FIRST_SLAB 64
#define POOL_SLAB_BYTES (1u << 20)
#endif
#define SLAB_HEADER 64 /* the link to the next slab; keeps the nodes 64-byte aligned */

/* The free list links a node through its last word (not `next`, at offset 0, so that a stale
 * read of x->next after a free is still a poisoned access under ASan). */
static node **free_link(const bskip *m, node *x) {
    return (node **)((char *)x + m->node_bytes - sizeof(node *));
}

/* ---- the pool of one map (guarded by pool->mu) ------------------------------------------- */

int bskip__pool_init(bskip *m) {
    bskip_pool *p = &m->pool;
    memset(p, 0, sizeof *p);
    p->next_slab_nodes = POOL_FIRST_SLAB;
    return pthread_mutex_init(&p->mu, NULL) == 0 ? BSKIP_OK : BSKIP_ESYS;
}

/* A new slab; its nodes become the carving range. REQUIRES: p->mu held. */
static int pool_grow(bskip *m) {
    bskip_pool *p = &m->pool;
    size_t nodes = p->next_slab_nodes;
    void *slab = bskip__aligned_alloc(64, SLAB_HEADER + nodes * m->node_bytes);
    if (slab == NULL) return BSKIP_ENOMEM;
    *(void **)slab = p->slabs;
    p->slabs = slab;
    p->carve = (char *)slab + SLAB_HEADER;
    p->carve_end = p->carve + nodes * m->node_bytes;
    POISON(p->carve, nodes * m->node_bytes);
    if (POOL_SLAB_BYTES > 0 && (nodes * 2) * m->node_bytes <= POOL_SLAB_BYTES)
        p->next_slab_nodes = nodes * 2;
    return BSKIP_OK;
}

/* One node out of the pool (free list first, then the carving range, then a new slab), still
 * poisoned and its lock not initialised; NULL when memory is exhausted. REQUIRES: p->mu held. */
static node *pool_get_locked(bskip *m) {
    bskip_pool *p = &m->pool;
    node *x = p->free_list;
    if (x != NULL) {
        node **link = free_link(m, x);
        UNPOISON(link, sizeof *link);
        p->free_list = *link;
        POISON(link, sizeof *link);
        return x;
    }
    if (p->carve == p->carve_end && pool_grow(m) != BSKIP_OK) return NULL;
    x = (node *)p->carve;
    p->carve += m->node_bytes;
    return x;
}

/* Puts x (poisoned) on the free list. REQUIRES: p->mu held. */
static void pool_put_locked(bskip *m, node *x) {
    node **link = free_link(m, x);
    UNPOISON(link, sizeof *link);
    *link = m->pool.free_list;
    POISON(link, sizeof *link);
    m->pool.free_list = x;
}

/* A node ready for use: unpoisoned, its lock initialised (unlocked), its header set and empty. */
static node *node_ready(bskip *m, node *x, int level, bool is_head) {
    UNPOISON(x, m->node_bytes);
    node_lock_init(x);
    x->next = NULL;
    x->high = 0;
    x->head_down = NULL;
    x->id = atomic_fetch_add_explicit(&m->next_id, 1, memory_order_relaxed);
    x->n = 0;
    x->level = (uint16_t)level;
    x->is_head = is_head;
    x->headed = is_head; /* a head's first key is the implicit -inf: never moved into */
    return x;
}

void bskip__pool_destroy(bskip *m) {
    bskip_pool *p = &m->pool;
    void *slab = p->slabs;
    while (slab != NULL) {
        void *next = *(void **)slab;
        UNPOISON(slab, SLAB_HEADER); /* the header was never poisoned; the nodes go with it */
        free(slab);
        slab = next;
    }
    p->slabs = NULL;
    pthread_mutex_destroy(&p->mu);
}

/* ---- the registry of live maps (invariant 3) -------------------------------------------- */

/* Intrusive (bskip.reg_prev/reg_next), hashed by serial: registering allocates nothing, so no
 * allocation of a run depends on how many maps the process made before. */
#define REGISTRY_BUCKETS 256
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static bskip *registry[REGISTRY_BUCKETS];

void bskip__registry_add(bskip *m) {
    pthread_mutex_lock(&registry_mu);
    bskip **head = &registry[m->serial % REGISTRY_BUCKETS];
    m->reg_prev = NULL;
    m->reg_next = *head;
    if (*head != NULL) (*head)->reg_prev = m;
    *head = m;
    pthread_mutex_unlock(&registry_mu);
}

void bskip__registry_remove(bskip *m) {
    pthread_mutex_lock(&registry_mu);
    if (m->reg_prev != NULL) m->reg_prev->reg_next = m->reg_next;
    else registry[m->serial % REGISTRY_BUCKETS] = m->reg_next;
    if (m->reg_next != NULL) m->reg_next->reg_prev = m->reg_prev;
    m->reg_prev = m->reg_next = NULL;
    pthread_mutex_unlock(&registry_mu);
}

/* REQUIRES: registry_mu held. Dereferences registered maps only: `m` may already be freed. */
static bool registry_has(const bskip *m, uint64_t serial) {
    for (const bskip *x = registry[serial % REGISTRY_BUCKETS]; x != NULL; x = x->reg_next)
        if (x == m && x->serial == serial) return true;
    return false;
}

/* ---- per-thread spare nodes ------------------------------------------------------------- */

typedef struct spare_cache {
    bskip *owner;     /* the map whose nodes these are (invariant 3); NULL when empty */
    uint64_t serial;  /* the owner's serial, to tell a freed owner from a new map at its address */
    int count;
    node *blocks[SPARE_MAX]; /* poisoned, locks not yet initialised */
} spare_cache;

static _Thread_local spare_cache *tl_spares;

/* c holds nodes of m (or is empty and was last m's): the owner's pointer and serial both match. */
static bool cache_of(const spare_cache *c, const bskip *m) {
    return c != NULL && c->owner == m && c->serial == m->serial;
}
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_key_ok;

/* The cache's nodes go back to their owner's free list if the owner is alive, and are forgotten
 * otherwise (its slabs are gone). */
static void spare_cache_empty(spare_cache *c) {
    if (c->count > 0) {
        pthread_mutex_lock(&registry_mu);
        if (registry_has(c->owner, c->serial)) {
            pthread_mutex_lock(&c->owner->pool.mu);
            for (int i = 0; i < c->count; i++) pool_put_locked(c->owner, c->blocks[i]);
            pthread_mutex_unlock(&c->owner->pool.mu);
        }
        pthread_mutex_unlock(&registry_mu);
    }
    c->count = 0;
    c->owner = NULL;
    c->serial = 0;
}

/* Thread exit: the thread's spares go back by the key's destructor. */
static void spare_destroy(void *p) {
    spare_cache *c = p;
    spare_cache_empty(c);
    free(c);
    tl_spares = NULL;
}

static void spare_key_init(void) { spare_key_ok = pthread_key_create(&spare_key, spare_destroy) == 0; }

void bskip__spare_release_thread(void) {
    if (tl_spares == NULL) return;
    spare_cache *c = tl_spares;
    if (spare_key_ok) pthread_setspecific(spare_key, NULL);
    spare_destroy(c);
}

int bskip__spare_reserve(bskip *m, int count) {
    if (count > SPARE_MAX) count = SPARE_MAX;
    spare_cache *c = tl_spares;
    if (cache_of(c, m) && c->count >= count) return BSKIP_OK; /* the common case: no lock */
    if (c == NULL) {
        pthread_once(&spare_once, spare_key_init);
        if (!spare_key_ok) return BSKIP_ESYS;
        c = bskip__calloc(1, sizeof *c);
        if (c == NULL) return BSKIP_ENOMEM;
        if (pthread_setspecific(spare_key, c) != 0) {
            free(c);
            return BSKIP_ENOMEM;
        }
        tl_spares = c;
    }
    if (!cache_of(c, m)) {
        spare_cache_empty(c);
        c->owner = m;
        c->serial = m->serial;
    }
    int rc = BSKIP_OK;
    pthread_mutex_lock(&m->pool.mu);
    while (c->count < count) {
        node *x = pool_get_locked(m);
        if (x == NULL) {
            rc = BSKIP_ENOMEM; /* what was taken stays in the cache for the next try */
            break;
        }
        c->blocks[c->count++] = x;
    }
    pthread_mutex_unlock(&m->pool.mu);
    return rc;
}

int bskip__spare_count(void) { return tl_spares != NULL ? tl_spares->count : 0; }

node *bskip__spare_take(bskip *m, int level) {
    /* REQUIRES: a bskip__spare_reserve on this thread for m covered this take (invariant 2). */
    spare_cache *c = tl_spares;
    return node_ready(m, c->blocks[--c->count], level, false);
}

node *bskip__node_alloc(bskip *m, int level, bool is_head) {
    pthread_mutex_lock(&m->pool.mu);
    node *x = pool_get_locked(m);
    pthread_mutex_unlock(&m->pool.mu);
    return x != NULL ? node_ready(m, x, level, is_head) : NULL;
}

void bskip__node_free(bskip *m, node *x) {
    POISON(x, m->node_bytes);
    spare_cache *c = tl_spares;
    if (cache_of(c, m) && c->count < SPARE_MAX) {
        c->blocks[c->count++] = x; /* the next insert on this thread reuses it, no lock */
        return;
    }
    pthread_mutex_lock(&m->pool.mu); /* a leaf lock (invariant 3) */
    pool_put_locked(m, x);
    pthread_mutex_unlock(&m->pool.mu);
}
