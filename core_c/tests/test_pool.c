/* test_pool.c — white-box tests of pool.c, the per-map node slabs (internal API, src/internal.h).
 *
 * Checks: nodes of a fresh map are carved side by side from one slab (no allocator header
 * between them; release, ASan and TSan builds — a -DBSKIP_FAILALLOC build has one node per slab);
 * a freed node is reused at once (the thread's spares first, then the map's free list); a
 * thread's spares move with it from map to map and go back to their own map; a thread whose spares
 * belong to a map freed meanwhile forgets them (ASan: nothing of the freed map is touched); the
 * ENOMEM contract (FAILALLOC builds: a failed slab makes bskip__spare_reserve fail, the map stays
 * usable); and many threads filling and emptying one map share its free list (TSan: clean).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <pthread.h>
#include <string.h>

#include "../src/internal.h"
#include "bskip_testing.h"
#include "test_util.h"

static bskip *new_map(size_t node_bytes) {
    bskip_options o = {0};
    o.node_bytes = node_bytes;
    bskip *m = NULL;
    CHECK(bskip_new(&m, &o) == BSKIP_OK, "bskip_new");
    return m;
}

static bool failalloc_build(void) { return (bskip_testing_features() & BSKIP_FEATURE_FAILALLOC) != 0; }

static void test_slab_layout(void) {
    bskip *m = new_map(2048);
    node *a = bskip__node_alloc(m, 0, false), *b = bskip__node_alloc(m, 0, false);
    CHECK(a && b, "node_alloc");
    CHECK(((uintptr_t)a & 63) == 0 && ((uintptr_t)b & 63) == 0, "64-byte aligned: %p %p",
          (void *)a, (void *)b);
    if (!failalloc_build())
        CHECK((char *)b - (char *)a == 2048, "side by side in one slab: %td bytes apart",
              (char *)b - (char *)a);
    CHECK(a->id != b->id && a->n == 0 && b->level == 0 && !b->is_head, "header set");
    bskip__node_free(m, b);
    bskip__node_free(m, a);
    bskip_free(m);
}

static void test_reuse(void) {
    bskip *m = new_map(256);
    /* no spares on this thread for m: a free goes to the map's free list, the next alloc gets it */
    bskip__spare_release_thread();
    node *a = bskip__node_alloc(m, 1, false);
    uint64_t id = a->id;
    bskip__node_free(m, a);
    node *b = bskip__node_alloc(m, 0, false);
    CHECK(b == a && b->id != id && b->level == 0, "free list reuse: %p then %p", (void *)a,
          (void *)b);
    /* with spares for m, a freed node joins them and the next take returns it */
    CHECK(bskip__spare_reserve(m, 2) == BSKIP_OK, "reserve");
    CHECK(bskip__spare_count() == 2, "2 spares, got %d", bskip__spare_count());
    bskip__node_free(m, b);
    CHECK(bskip__spare_count() == 3, "the freed node is a spare, got %d", bskip__spare_count());
    node *c = bskip__spare_take(m, 2);
    CHECK(c == b && c->level == 2, "spare reuse");
    bskip__node_free(m, c);
    bskip_free(m);
}

static void test_spares_follow_the_thread(void) {
    bskip *a = new_map(256), *b = new_map(256);
    CHECK(bskip__spare_reserve(a, 3) == BSKIP_OK, "reserve on a");
    node *took = bskip__spare_take(a, 0);
    bskip__node_free(a, took); /* back among the spares, now 3 again */
    CHECK(bskip__spare_reserve(b, 1) == BSKIP_OK, "reserve on b");
    CHECK(bskip__spare_count() == 1, "the cache is b's now: %d", bskip__spare_count());
    /* a's three spares went back to a's free list: a's next allocation is one of them */
    node *again = bskip__node_alloc(a, 0, false);
    CHECK(again == took, "a's spares went back to a (LIFO): %p, not %p", (void *)again, (void *)took);
    bskip__node_free(a, again);
    /* a map in use by both keeps working */
    for (int64_t k = 0; k < 5000; k++) {
        CHECK(bskip_put(a, k, k, NULL) >= 0, "put a");
        CHECK(bskip_put(b, k, -k, NULL) >= 0, "put b");
    }
    for (int64_t k = 0; k < 5000; k += 2) CHECK(bskip_delete(a, k, NULL) == BSKIP_OK, "del a");
    CHECK_VALID(a);
    CHECK_VALID(b);
    CHECK(bskip_len(a) == 2500 && bskip_len(b) == 5000, "lens");
    bskip_free(a);
    bskip_free(b);
}

typedef struct holder_arg {
    bskip *dead, *live;
    pthread_barrier_t *bar;
} holder_arg;

/* Holds spares of `dead` while the main thread frees it, then moves to `live` and exits: its
 * cache must forget dead's nodes without touching them (ASan reports any touch). */
static void *holder(void *p) {
    holder_arg *h = p;
    CHECK(bskip_put(h->dead, 1, 1, NULL) >= 0, "put");
    CHECK(bskip__spare_reserve(h->dead, 4) == BSKIP_OK, "reserve");
    pthread_barrier_wait(h->bar); /* main frees dead now */
    pthread_barrier_wait(h->bar);
    CHECK(bskip_put(h->live, 2, 2, NULL) >= 0, "put live");
    CHECK(bskip__spare_reserve(h->live, 4) == BSKIP_OK, "reserve live");
    return NULL; /* the key's destructor returns the spares to live */
}

static void test_owner_freed_while_cached(void) {
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    holder_arg h = {new_map(512), new_map(512), &bar};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, holder, &h) == 0, "thread");
    pthread_barrier_wait(&bar);
    bskip_free(h.dead);
    pthread_barrier_wait(&bar);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&bar);
    CHECK(bskip_len(h.live) == 1, "live map");
    CHECK_VALID(h.live);
    bskip_free(h.live);
}

static void test_enomem(void) {
    if (!failalloc_build()) return; /* the release build has no allocation failures to inject */
    bskip *m = new_map(256);
    bskip__spare_release_thread();
    bskip_failalloc_set(1, 1); /* every allocation from now fails */
    node *x = bskip__node_alloc(m, 0, false);
    int rc = bskip__spare_reserve(m, 3);
    int put = bskip_put(m, 7, 7, NULL);
    bskip_failalloc_set(0, 0);
    CHECK(x == NULL && rc == BSKIP_ENOMEM, "no slab, no node: %p %d", (void *)x, rc);
    CHECK(put == BSKIP_ENOMEM && bskip_len(m) == 0, "put: %d, len %zu", put, bskip_len(m));
    CHECK(bskip_put(m, 7, 7, NULL) == BSKIP_INSERTED, "usable after");
    CHECK_VALID(m);
    bskip_free(m);
}

typedef struct churn_arg {
    bskip *m;
    int64_t base;
} churn_arg;

static void *churn(void *p) {
    churn_arg *c = p;
    int rounds = (int)(6 / test_scale()) + 1;
    for (int r = 0; r < rounds; r++) {
        for (int64_t k = 0; k < 4000; k++) CHECK(bskip_put(c->m, c->base + k, k, NULL) >= 0, "put");
        for (int64_t k = 0; k < 4000; k++)
            CHECK(bskip_delete(c->m, c->base + k, NULL) == BSKIP_OK, "delete");
    }
    return NULL;
}

static void test_shared_free_list(void) {
    bskip *m = new_map(256);
    pthread_t t[4];
    churn_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (churn_arg){m, (int64_t)i * 1000000};
        CHECK(pthread_create(&t[i], NULL, churn, &a[i]) == 0, "thread");
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK(bskip_len(m) == 0, "empty: %zu", bskip_len(m));
    CHECK_VALID(m);
    bskip_free(m);
}

int main(void) {
    test_slab_layout();
    test_reuse();
    test_spares_follow_the_thread();
    test_owner_freed_while_cached();
    test_enomem();
    test_shared_free_list();
    printf("test_pool: ok\n");
    return 0;
}
