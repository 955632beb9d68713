/* rbias.c — the reader-bias table's rows (one per live thread) and the writer's wait for readers.
 *
 * See rbias.h for the scheme and its correctness argument. Invariants kept here:
 *   - a row is owned by at most one live thread (its bit in rb_used is set while it is), and only
 *     that thread writes its slots;
 *   - a thread gives its row back only at its exit (a pthread key destructor), when it holds no
 *     lock, so every slot of a row that is given back is NULL;
 *   - rb_rows_seen only grows: every row ever owned is below it, so a writer that checks rows
 *     [0, rb_rows_seen) checks every row a reader of its lock may have announced in.
 * The process-wide table (not per map): a thread's row serves every map, and a writer checks one
 * slot per row — at most RB_ROWS loads, in practice as many as the threads that ever took a row.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads */
#endif
#include <pthread.h>
#include <sched.h>
#include <stddef.h>

#include "rbias.h"

rb_row bskip__rb_table[RB_ROWS];
_Thread_local rb_row *bskip__rb_mine;

static rb_row none; /* the row of a thread that found none free: every slot names `none` */
static _Atomic uint64_t rb_used[RB_ROWS / 64];
static _Atomic unsigned rb_rows_seen;
static pthread_key_t rb_key;
static pthread_once_t rb_once = PTHREAD_ONCE_INIT;
static int rb_key_ok;

/* At a thread's exit: its row (value - 1) is free again (it holds no lock: every slot is NULL). */
static void rb_release(void *value) {
    size_t i = (size_t)((uintptr_t)value - 1);
    atomic_fetch_and_explicit(&rb_used[i / 64], ~(1ull << (i % 64)), memory_order_release);
}

static void rb_init(void) {
    for (unsigned s = 0; s < RB_SLOTS; s++)
        atomic_init(&none.slot[s], (const bskip_rwlock *)(const void *)&none);
    rb_key_ok = pthread_key_create(&rb_key, rb_release) == 0;
}

rb_row *bskip__rb_register(void) {
    pthread_once(&rb_once, rb_init);
    bskip__rb_mine = &none; /* unless a row is found below */
    if (!rb_key_ok) return &none; /* a row could never be given back: use none */
    for (size_t w = 0; w < RB_ROWS / 64; w++) {
        uint64_t bits = atomic_load_explicit(&rb_used[w], memory_order_relaxed);
        while (~bits != 0) {
            unsigned b = (unsigned)__builtin_ctzll(~bits);
            if (!atomic_compare_exchange_weak_explicit(&rb_used[w], &bits, bits | (1ull << b),
                                                       memory_order_acquire,
                                                       memory_order_relaxed))
                continue; /* bits reloaded */
            size_t i = w * 64 + b;
            if (pthread_setspecific(rb_key, (void *)(uintptr_t)(i + 1)) != 0) {
                rb_release((void *)(uintptr_t)(i + 1));
                return &none;
            }
            unsigned seen = atomic_load_explicit(&rb_rows_seen, memory_order_relaxed);
            while (seen < i + 1 &&
                   !atomic_compare_exchange_weak_explicit(&rb_rows_seen, &seen, (unsigned)i + 1,
                                                          memory_order_seq_cst,
                                                          memory_order_relaxed)) {
            }
            bskip__rb_mine = &bskip__rb_table[i];
            return bskip__rb_mine;
        }
    }
    return &none;
}

void bskip__rb_await_readers(const bskip_rwlock *l) {
    /* (a): the caller's acquisition (WW or W written) comes before every slot read below */
    atomic_thread_fence(memory_order_seq_cst);
    unsigned rows = atomic_load_explicit(&rb_rows_seen, memory_order_seq_cst);
    unsigned s = rb_slot_of(l);
    for (unsigned i = 0; i < rows; i++) {
        _Atomic(const bskip_rwlock *) *slot = &bskip__rb_table[i].slot[s];
        /* (e): the acquire load that reads the reader's release of its slot */
        for (unsigned spins = 0; atomic_load_explicit(slot, memory_order_acquire) == l; spins++) {
            if (spins < 64) rwlock_cpu_pause();
            else sched_yield(); /* the reader may itself wait for a lock: do not burn its core */
        }
    }
}
