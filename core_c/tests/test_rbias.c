/* test_rbias.c — the reader-biased lock (src/rbias.h) on its own: that readers do take the fast
 * path (else the scheme is silently dead), mutual exclusion between fast readers, word-path readers
 * and writers, that a writer waits for a fast reader, writer preference over fast readers, two
 * locks of one thread that share a slot, and the rows: given back at thread exit, and more live
 * threads than rows (the rest use the word path).
 *
 * Deterministic parts wait for a state (a bit of the word, a count) rather than for a time; "does
 * not enter" is checked after 100 ms of not entering. Built and run in every build (release,
 * ASan+UBSan, TSan: the plain counter below is a data race unless the lock orders it).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../src/rbias.h"
#include "test_lock_util.h"

/* Whether the calling thread holds l through the fast path (its own slot names l). */
static int held_fast(bskip_rwlock *l) {
    return atomic_load(&rb_my_row()->slot[rb_slot_of(l)]) == l;
}

/* ---- mutual exclusion under contention (two locks, so readers also collide in slots) ---- */

enum { ITERS = 20000, NLOCKS = 2 };
static bskip_rwlock lk[NLOCKS];
static atomic_int inside_w[NLOCKS], inside_r[NLOCKS], fast_entries;
static int64_t counter[NLOCKS]; /* written under W only: a data race (TSan) if W does not exclude */

static void *writer_loop(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < ITERS; i++) {
        int k = (int)(rand_r(&seed) % NLOCKS);
        rwlock_wrlock_biased(&lk[k]);
        CHECK(atomic_fetch_add(&inside_w[k], 1) == 0 && atomic_load(&inside_r[k]) == 0, "W alone");
        counter[k]++;
        atomic_fetch_sub(&inside_w[k], 1);
        rwlock_wrunlock(&lk[k]);
    }
    return NULL;
}

static void *reader_loop(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    int64_t last[NLOCKS] = {0};
    for (int i = 0; i < ITERS; i++) {
        /* every 4th pass holds both locks, taken in one order (as core_c's global order; with
         * writers waiting, two readers taking them in opposite orders would deadlock) */
        int both = i % 4 == 0, k = both ? 0 : (int)(rand_r(&seed) % NLOCKS), other = 1;
        rwlock_rdlock_biased(&lk[k]);
        if (held_fast(&lk[k])) atomic_fetch_add(&fast_entries, 1);
        if (both) rwlock_rdlock_biased(&lk[other]); /* two held at once: a slot may collide */
        atomic_fetch_add(&inside_r[k], 1);
        CHECK(atomic_load(&inside_w[k]) == 0, "no W beside R");
        CHECK(counter[k] >= last[k], "the counter only grows: %" PRId64 " < %" PRId64, counter[k],
              last[k]);
        last[k] = counter[k];
        atomic_fetch_sub(&inside_r[k], 1);
        if (both) rwlock_rdunlock_biased(&lk[other]);
        rwlock_rdunlock_biased(&lk[k]);
    }
    return NULL;
}

static void test_contention(int writers, int readers) {
    pthread_t t[64];
    for (int k = 0; k < NLOCKS; k++) {
        rwlock_init(&lk[k]);
        counter[k] = 0;
    }
    atomic_store(&fast_entries, 0);
    int n = 0;
    for (int i = 0; i < writers + readers; i++, n++)
        pthread_create(&t[n], NULL, i < writers ? writer_loop : reader_loop, (void *)(uintptr_t)(n + 1));
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    for (int k = 0; k < NLOCKS; k++) {
        CHECK(word(&lk[k]) == 0, "released and nobody registered: %#x",
              word(&lk[k]));
    }
    CHECK(counter[0] + counter[1] == (int64_t)writers * ITERS, "every W section ran");
    CHECK(readers == 0 || atomic_load(&fast_entries) > 0, "readers took the fast path sometimes");
    printf("contention %d W + %d R: ok (%d of %d read locks fast)\n", writers, readers,
           atomic_load(&fast_entries), readers * ITERS);
}

/* ---- a writer waits for a fast reader; writer preference over later readers ---- */

static bskip_rwlock pl;
static atomic_int order_next, entered[8];

static void *pref_writer(void *arg) {
    (void)arg;
    rwlock_wrlock_biased(&pl);
    atomic_store(&entered[0], 1 + atomic_fetch_add(&order_next, 1));
    sleep_ms(20);
    rwlock_wrunlock(&pl);
    return NULL;
}

static void *pref_reader(void *arg) {
    int me = (int)(intptr_t)arg;
    rwlock_rdlock_biased(&pl);
    atomic_store(&entered[me], 1 + atomic_fetch_add(&order_next, 1));
    rwlock_rdunlock_biased(&pl);
    return NULL;
}

static void test_writer_waits_and_preference(void) {
    enum { LATE = 3 };
    rwlock_init(&pl);
    atomic_store(&order_next, 0);
    for (int i = 0; i < 8; i++) atomic_store(&entered[i], 0);
    rwlock_rdlock_biased(&pl); /* an early reader holds the lock, fast: the word stays 0 */
    CHECK(held_fast(&pl) && word(&pl) == 0, "the first reader entered fast: %#x", word(&pl));
    pthread_t w, r[LATE];
    pthread_create(&w, NULL, pref_writer, NULL);
    await_bits(&pl, RWL_W | RWL_WW_MASK, "the writer takes the word");
    for (int i = 0; i < LATE; i++) pthread_create(&r[i], NULL, pref_reader, (void *)(intptr_t)(i + 1));
    sleep_ms(100);
    CHECK(atomic_load(&entered[0]) == 0, "the writer waits for the fast reader");
    for (int i = 1; i <= LATE; i++) CHECK(atomic_load(&entered[i]) == 0, "late reader %d waits", i);
    rwlock_rdunlock_biased(&pl); /* the writer enters first, then the late readers */
    pthread_join(w, NULL);
    for (int i = 0; i < LATE; i++) pthread_join(r[i], NULL);
    CHECK(atomic_load(&entered[0]) == 1, "the writer entered first (order %d)", atomic_load(&entered[0]));
    for (int i = 1; i <= LATE; i++) CHECK(atomic_load(&entered[i]) > 1, "late reader %d after it", i);
    CHECK(word(&pl) == 0, "all released: %#x", word(&pl));
    printf("writer waits for a fast reader, then enters before %d later readers: ok\n", LATE);
}

/* ---- two locks of one thread in one slot ---- */

static void test_shared_slot(void) {
    static bskip_rwlock many[64];
    int a = 0, b = -1;
    for (int i = 1; i < 64 && b < 0; i++)
        if (rb_slot_of(&many[i]) == rb_slot_of(&many[a])) b = i;
    CHECK(b > 0, "two of 64 locks share a slot (8 slots)");
    rwlock_init(&many[a]);
    rwlock_init(&many[b]);
    rwlock_rdlock_biased(&many[a]);
    rwlock_rdlock_biased(&many[b]);
    CHECK(held_fast(&many[a]) && !held_fast(&many[b]), "the first is fast, the second not");
    CHECK(word(&many[a]) == 0 && (word(&many[b]) & RWL_R_MASK) == 1, "the second is a word reader");
    rwlock_rdunlock_biased(&many[b]); /* the slot names a, so b is released through its word */
    CHECK(word(&many[b]) == 0 && held_fast(&many[a]), "b released by its word, a still held");
    rwlock_rdunlock_biased(&many[a]);
    CHECK(!held_fast(&many[a]), "a released");
    printf("two locks in one slot: ok\n");
}

/* ---- rows: given back at exit; more live threads than rows ---- */

static bskip_rwlock rl;
static atomic_int rows_fast, holding, go;

static void *row_reader(void *arg) {
    (void)arg;
    rwlock_rdlock_biased(&rl);
    if (held_fast(&rl)) atomic_fetch_add(&rows_fast, 1);
    atomic_fetch_add(&holding, 1);
    while (!atomic_load(&go)) sleep_ms(1);
    rwlock_rdunlock_biased(&rl);
    return NULL;
}

static void test_rows(void) {
    enum { LIVE = RB_ROWS + 8, SEQ = RB_ROWS + 44 };
    rwlock_init(&rl);
    /* one after another: each finds a row (they are given back), so each enters fast */
    for (int i = 0; i < SEQ; i++) {
        atomic_store(&go, 1);
        atomic_store(&rows_fast, 0);
        pthread_t t;
        pthread_create(&t, NULL, row_reader, NULL);
        pthread_join(t, NULL);
        CHECK(atomic_load(&rows_fast) == 1, "thread %d of %d found a row", i, SEQ);
    }
    /* LIVE at once (the main thread holds one row): at least 9 use the word path */
    static pthread_t t[LIVE];
    atomic_store(&go, 0);
    atomic_store(&rows_fast, 0);
    atomic_store(&holding, 0);
    int made = 0;
    for (; made < LIVE; made++)
        if (pthread_create(&t[made], NULL, row_reader, NULL) != 0) break;
    while (atomic_load(&holding) < made) sleep_ms(1);
    int fast = atomic_load(&rows_fast);
    uint32_t in_word = word(&rl) & RWL_R_MASK;
    CHECK(fast + (int)in_word == made, "every reader holds: %d fast + %u word of %d", fast,
          in_word, made);
    CHECK(made < RB_ROWS || (int)in_word >= made - (RB_ROWS - 1), "beyond the rows: the word path");
    atomic_store(&go, 1);
    for (int i = 0; i < made; i++) pthread_join(t[i], NULL);
    CHECK(word(&rl) == 0, "all released: %#x", word(&rl));
    printf("rows: %d threads in turn each fast; %d live: %d fast, %u on the word: ok\n", SEQ, made,
           fast, in_word);
}

int main(void) {
    alarm(120);
    test_shared_slot();
    test_writer_waits_and_preference();
    test_contention(2, 2);
    test_contention(4, 12); /* oversubscribed: writers wait for fast readers that are descheduled */
    test_rows();
    printf("test_rbias: ok\n");
    return 0;
}
