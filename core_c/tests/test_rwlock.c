/* test_rwlock.c — the node lock (src/rwlock.h) on its own: mutual exclusion under contention,
 * readers sharing, writer preference and its fairness bound (no reader that asks after a writer
 * registered enters before it), the sleep/wake path, and the saturated counters.
 *
 * Deterministic parts wait for a state of the lock word (a writer registered, a thread asleep)
 * rather than for a time; "does not enter" is checked after 100 ms of not entering. Built and run
 * in every build (release, ASan+UBSan, TSan: the plain counter below is a data race unless the
 * lock orders it).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../src/rwlock.h"
#include "test_lock_util.h"

/* ---- mutual exclusion and sharing under contention ---- */

enum { ITERS = 20000 };
static bskip_rwlock lk;
static atomic_int inside_w, inside_r, max_r;
static int64_t counter; /* written under W only: a data race (TSan) if W does not exclude */

static void *writer_loop(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        rwlock_wrlock(&lk);
        CHECK(atomic_fetch_add(&inside_w, 1) == 0 && atomic_load(&inside_r) == 0, "W alone");
        counter++;
        atomic_fetch_sub(&inside_w, 1);
        rwlock_wrunlock(&lk);
    }
    return NULL;
}

static void *reader_loop(void *arg) {
    (void)arg;
    int64_t last = 0;
    for (int i = 0; i < ITERS; i++) {
        rwlock_rdlock(&lk);
        int r = atomic_fetch_add(&inside_r, 1) + 1;
        int m = atomic_load(&max_r);
        while (r > m && !atomic_compare_exchange_weak(&max_r, &m, r)) {
        }
        CHECK(atomic_load(&inside_w) == 0, "no W beside R");
        CHECK(counter >= last, "the counter only grows: %" PRId64 " < %" PRId64, counter, last);
        last = counter;
        atomic_fetch_sub(&inside_r, 1);
        rwlock_rdunlock(&lk);
    }
    return NULL;
}

static void test_contention(int writers, int readers) {
    pthread_t t[64];
    rwlock_init(&lk);
    counter = 0;
    atomic_store(&max_r, 0);
    int n = 0;
    for (int i = 0; i < writers; i++) pthread_create(&t[n++], NULL, writer_loop, NULL);
    for (int i = 0; i < readers; i++) pthread_create(&t[n++], NULL, reader_loop, NULL);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    CHECK(counter == (int64_t)writers * ITERS, "every W section ran: %" PRId64, counter);
    CHECK(word(&lk) == 0, "released and nobody registered: %#x", word(&lk));
    printf("contention %d W + %d R: ok (max %d readers inside together)\n", writers, readers,
           atomic_load(&max_r));
}

/* ---- writer preference, fairness bound, sleep/wake ---- */

static bskip_rwlock pl;
static atomic_int order_next, entered[8];

static void *pref_writer(void *arg) {
    (void)arg;
    rwlock_wrlock(&pl);
    atomic_store(&entered[0], 1 + atomic_fetch_add(&order_next, 1));
    sleep_ms(20);
    rwlock_wrunlock(&pl);
    return NULL;
}

static void *pref_reader(void *arg) {
    int me = (int)(intptr_t)arg;
    rwlock_rdlock(&pl);
    atomic_store(&entered[me], 1 + atomic_fetch_add(&order_next, 1));
    rwlock_rdunlock(&pl);
    return NULL;
}

static void test_writer_preference(void) {
    enum { LATE = 3 };
    rwlock_init(&pl);
    atomic_store(&order_next, 0);
    for (int i = 0; i < 8; i++) atomic_store(&entered[i], 0);
    rwlock_rdlock(&pl); /* an early reader holds the lock */
    pthread_t w, r[LATE];
    pthread_create(&w, NULL, pref_writer, NULL);
    await_bits(&pl, RWL_WW_MASK, "the writer registers");
    for (int i = 0; i < LATE; i++) pthread_create(&r[i], NULL, pref_reader, (void *)(intptr_t)(i + 1));
    await_bits(&pl, RWL_SLEEP, "a waiter sleeps");
    sleep_ms(100);
    for (int i = 1; i <= LATE; i++) CHECK(atomic_load(&entered[i]) == 0, "late reader %d waits", i);
    CHECK(atomic_load(&entered[0]) == 0, "the writer waits for the early reader");
    rwlock_rdunlock(&pl); /* the writer enters first, then the late readers */
    pthread_join(w, NULL);
    for (int i = 0; i < LATE; i++) pthread_join(r[i], NULL);
    CHECK(atomic_load(&entered[0]) == 1, "the writer entered first (order %d)", atomic_load(&entered[0]));
    for (int i = 1; i <= LATE; i++) CHECK(atomic_load(&entered[i]) > 1, "late reader %d after it", i);
    CHECK(word(&pl) == 0, "all released: %#x", word(&pl));
    printf("writer preference: ok (the registered writer entered before %d later readers)\n", LATE);
}

static void test_readers_share(void) {
    rwlock_init(&pl);
    atomic_store(&entered[1], 0);
    atomic_store(&order_next, 0);
    rwlock_rdlock(&pl);
    pthread_t r;
    pthread_create(&r, NULL, pref_reader, (void *)(intptr_t)1);
    pthread_join(r, NULL); /* enters and leaves while we hold R */
    CHECK(atomic_load(&entered[1]) == 1, "a second reader shares the lock");
    rwlock_rdunlock(&pl);
    CHECK(word(&pl) == 0, "released: %#x", word(&pl));
    printf("readers share: ok\n");
}

/* ---- saturated counters (set up by writing the word directly) ---- */

static void test_saturation(void) {
    /* 65535 readers inside: one more reader waits until one leaves */
    rwlock_init(&pl);
    atomic_store(&pl.word, RWL_R_MASK);
    atomic_store(&entered[1], 0);
    pthread_t r;
    pthread_create(&r, NULL, pref_reader, (void *)(intptr_t)1);
    await_bits(&pl, RWL_SLEEP, "the reader sleeps for room");
    CHECK(atomic_load(&entered[1]) == 0, "no room: waits");
    rwlock_rdunlock(&pl); /* one of the 65535 leaves: room, and a wake */
    pthread_join(r, NULL);
    CHECK(atomic_load(&entered[1]) != 0, "entered once there was room");
    CHECK((word(&pl) & RWL_R_MASK) == RWL_R_MASK - 1, "its R released: %#x", word(&pl));
    /* 8191 writers registered and one reader inside: a writer waits unregistered, enters after */
    atomic_store(&pl.word, RWL_WW_MASK | 1u);
    atomic_store(&entered[0], 0);
    pthread_t w;
    pthread_create(&w, NULL, pref_writer, NULL);
    await_bits(&pl, RWL_SLEEP, "the writer sleeps");
    CHECK((word(&pl) & RWL_WW_MASK) == RWL_WW_MASK, "no overflow into W: %#x", word(&pl));
    rwlock_rdunlock(&pl);
    pthread_join(w, NULL);
    CHECK(atomic_load(&entered[0]) != 0 && word(&pl) == RWL_WW_MASK, "entered; WW untouched: %#x",
          word(&pl));
    printf("saturation: ok\n");
}

int main(void) {
    alarm(120);
    test_readers_share();
    test_writer_preference();
    test_saturation();
    test_contention(2, 2);
    test_contention(4, 12); /* oversubscribed: waiters pass the spin limit and sleep */
    printf("test_rwlock: ok\n");
    return 0;
}
