/* rwlock.c — the node lock's slow paths: waiting for the word to change, and waking sleepers.
 *
 * See rwlock.h for the word and the contract. A waiter spins (with a CPU pause) up to SPINS times
 * re-reading the word, then sleeps: it sets SLEEP by CAS from the value it saw (so a release in
 * between makes the CAS fail and the waiter re-checks instead of sleeping) and futex-waits for the
 * word to differ from that value (so a release after the CAS makes the wait return at once). Every
 * release that clears SLEEP wakes all sleepers. Without futexes (not Linux) a waiter yields.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* before any include: syscall() (unistd.h) */
#endif
#include <limits.h>
#include <sched.h>

#include "rwlock.h"

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

enum { RWL_SPINS = 64 };

/* One wait step of a thread that saw `s` and cannot enter. */
static void rwl_wait(bskip_rwlock *l, uint32_t s, unsigned *spins) {
    if (*spins < RWL_SPINS) {
        ++*spins;
        rwlock_cpu_pause();
        return;
    }
#ifdef __linux__
    if (!(s & RWL_SLEEP)) {
        if (!atomic_compare_exchange_strong_explicit(&l->word, &s, s | RWL_SLEEP,
                                                     memory_order_relaxed, memory_order_relaxed))
            return; /* the word changed: re-check */
        s |= RWL_SLEEP;
    }
    /* returns at a wake, at once if the word is no longer s, or on a signal: all re-check */
    syscall(SYS_futex, (uint32_t *)&l->word, FUTEX_WAIT_PRIVATE, s, NULL, NULL, 0);
#else
    (void)l;
    (void)s;
    sched_yield();
#endif
}

void bskip__rwlock_rdlock_slow(bskip_rwlock *l) {
    unsigned spins = 0;
    for (;;) {
        uint32_t s = atomic_load_explicit(&l->word, memory_order_relaxed);
        if (rwlock_reader_may_enter(s)) {
            if (atomic_compare_exchange_weak_explicit(&l->word, &s, s + RWL_R_ONE,
                                                      memory_order_acquire, memory_order_relaxed))
                return;
            continue;
        }
        rwl_wait(l, s, &spins);
    }
}

void bskip__rwlock_wrlock_slow(bskip_rwlock *l) {
    unsigned spins = 0;
    bool registered = false;
    for (;;) {
        uint32_t s = atomic_load_explicit(&l->word, memory_order_relaxed);
        if (!registered && (s & RWL_WW_MASK) != RWL_WW_MASK) { /* (b): new readers wait now */
            if (!atomic_compare_exchange_weak_explicit(&l->word, &s, s + RWL_WW_ONE,
                                                       memory_order_relaxed, memory_order_relaxed))
                continue;
            registered = true;
            s += RWL_WW_ONE;
        }
        if ((s & (RWL_W | RWL_R_MASK)) == 0) {
            uint32_t ns = (s | RWL_W) - (registered ? RWL_WW_ONE : 0u);
            if (atomic_compare_exchange_weak_explicit(&l->word, &s, ns, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
            continue;
        }
        rwl_wait(l, s, &spins);
    }
}

void bskip__rwlock_wake(bskip_rwlock *l) {
#ifdef __linux__
    /* the address only: see rwlock.h (d) */
    syscall(SYS_futex, (uint32_t *)&l->word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)l;
#endif
}
