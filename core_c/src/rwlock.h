/* rwlock.h — the node lock: a writer-preferring reader-writer lock in one 32-bit word.
 *
 * What the rest of core_c (and spec/, which models it) relies on:
 *   (a) mutual exclusion: a W holder excludes every other holder; R holders share;
 *   (b) writer preference: a read request waits while the lock is W-held OR a writer waits for it
 *       (has registered, below); a write request waits while any other thread holds it;
 *   (c) no upgrade and no recursion: a thread never requests a lock it holds (core_c's callers
 *       guarantee it; spec/ proves it), so neither is supported;
 *   (d) an unlock's last access to the lock's memory is the atomic release itself: immediate
 *       reclamation frees a node right after its last unlock (delete.c), so nothing may touch the
 *       word after the release. (The futex wake that may follow passes only the address to the
 *       kernel, which reads no memory for FUTEX_WAKE of a private futex; a wake that lands on
 *       reused memory is a spurious wake-up, which every waiter tolerates: it re-checks.)
 *   (e) ordering: an acquisition is an acquire operation and a release a release operation on
 *       the word, so everything a holder did before its release happens-before everything the
 *       next holder does after its acquisition (W to R, W to W, R to W).
 *
 * The word: bits 0-15 readers holding (R), 16-28 writers waiting (WW), 29 W held (W), 30 a thread
 * may sleep on the word (SLEEP). A reader enters when W and WW are clear by CAS R+1 (acquire); a
 * writer first registers (WW+1, so that new readers wait: (b)), then enters when W is clear and
 * R == 0 by CAS (WW-1, W) (acquire). Releases are one RMW each (release), which also clears SLEEP
 * when the state it leaves may let a sleeper in (R -> 0, or W cleared); the releaser then wakes
 * every sleeper (a waiter re-checks and sleeps again if it lost the race). Saturation: with 65535
 * readers inside a reader waits; with 8191 writers registered a writer waits unregistered (it
 * loses preference, never correctness).
 *
 * Waiting (rwlock.c): spin with a pause a bounded number of times, then set SLEEP by CAS and
 * futex-wait on the word's value (Linux; elsewhere sched_yield). The uncontended fast paths are
 * inline below: one CAS to acquire, one RMW to release, no call, no syscall.
 *
 * Fairness bound (tested, core_c/tests/test_rwlock.c): once a writer has registered, no reader
 * that requests afterwards enters before it; readers are not starved by a stream of writers only
 * in the sense that every release by a writer wakes them all (no FIFO order is promised).
 */
#ifndef BSKIP_RWLOCK_H
#define BSKIP_RWLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct bskip_rwlock {
    _Atomic uint32_t word;
} bskip_rwlock;

#define RWL_R_ONE 1u
#define RWL_R_MASK 0xFFFFu
#define RWL_WW_ONE (1u << 16)
#define RWL_WW_MASK (0x1FFFu << 16)
#define RWL_W (1u << 29)
#define RWL_SLEEP (1u << 30)

/* Slow paths and the wake (rwlock.c). */
void bskip__rwlock_rdlock_slow(bskip_rwlock *l);
void bskip__rwlock_wrlock_slow(bskip_rwlock *l);
void bskip__rwlock_wake(bskip_rwlock *l);

/* One step of a spin-wait: tells the CPU this thread is waiting (rwlock.c, rbias.c). */
static inline void rwlock_cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void rwlock_init(bskip_rwlock *l) {
    atomic_init(&l->word, 0u);
}

/* (b): a reader may enter a lock in state s when no writer holds or waits for it and the reader
 * count has room. The one statement of the rule: both the fast and the slow path test it. */
static inline bool rwlock_reader_may_enter(uint32_t s) {
    return (s & (RWL_W | RWL_WW_MASK)) == 0 && (s & RWL_R_MASK) != RWL_R_MASK;
}

static inline void rwlock_rdlock(bskip_rwlock *l) {
    uint32_t s = atomic_load_explicit(&l->word, memory_order_relaxed);
    if (rwlock_reader_may_enter(s) &&
        atomic_compare_exchange_weak_explicit(&l->word, &s, s + RWL_R_ONE, memory_order_acquire,
                                              memory_order_relaxed))
        return;
    bskip__rwlock_rdlock_slow(l);
}

static inline void rwlock_wrlock(bskip_rwlock *l) {
    uint32_t s = 0; /* uncontended: nobody holds, waits or sleeps */
    if (atomic_compare_exchange_weak_explicit(&l->word, &s, RWL_W, memory_order_acquire,
                                              memory_order_relaxed))
        return;
    bskip__rwlock_wrlock_slow(l);
}

/* (d): the CAS is the last access to the word. The last reader out clears SLEEP (a sleeping
 * writer may now enter), and so does a reader leaving a full reader count (a reader may wait for
 * room); otherwise no sleeper can enter because of this release. */
static inline void rwlock_rdunlock(bskip_rwlock *l) {
    uint32_t s = atomic_load_explicit(&l->word, memory_order_relaxed), ns;
    do {
        ns = s - RWL_R_ONE;
        if ((s & RWL_R_MASK) == RWL_R_ONE || (s & RWL_R_MASK) == RWL_R_MASK) ns &= ~RWL_SLEEP;
    } while (!atomic_compare_exchange_weak_explicit(&l->word, &s, ns, memory_order_release,
                                                    memory_order_relaxed));
    if ((s & RWL_SLEEP) && !(ns & RWL_SLEEP)) bskip__rwlock_wake(l);
}

/* (d): the fetch_and is the last access to the word. */
static inline void rwlock_wrunlock(bskip_rwlock *l) {
    uint32_t s = atomic_fetch_and_explicit(&l->word, ~(RWL_W | RWL_SLEEP), memory_order_release);
    if (s & RWL_SLEEP) bskip__rwlock_wake(l);
}

#endif /* BSKIP_RWLOCK_H */
