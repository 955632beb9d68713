/* test_lock_util.h — helpers the node-lock tests share (test_rwlock.c, test_rbias.c): a sleep, a
 * read of the lock word, and a wait for a state of the word.
 *
 * The deterministic parts of those tests wait for a state of the lock word (a writer registered, a
 * thread asleep) rather than for a time; await_bits fails the test (CHECK, test_util.h) if the
 * state has not come within 10 s.
 */
#ifndef BSKIP_TEST_LOCK_UTIL_H
#define BSKIP_TEST_LOCK_UTIL_H

#include <stdatomic.h>
#include <time.h>

#include "../src/rwlock.h"
#include "test_util.h"

static inline void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static inline uint32_t word(bskip_rwlock *l) {
    return atomic_load(&l->word);
}

/* Waits (up to 10 s) until (word & mask) != 0. */
static inline void await_bits(bskip_rwlock *l, uint32_t mask, const char *what) {
    for (int i = 0; i < 10000 && !(word(l) & mask); i++) sleep_ms(1);
    CHECK(word(l) & mask, "%s: word %#x", what, word(l));
}

#endif
