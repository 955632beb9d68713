/* noise.c — schedule noise for the concurrent tests (compiled in only with -DBSKIP_NOISE).
 *
 * At every lock acquire and release (lock.h) a thread may spin for a random short time or yield
 * the CPU, so that the short windows between a lock release and the next acquire — where bugs in
 * a locking protocol hide — are stretched and reordered. Off (level 0) by default even in the
 * noise build; the release build has no call at all.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h), sched_yield */
#endif
#include <sched.h>
#include <stdatomic.h>

#include "bskip_testing.h"
#include "lock.h"

#ifdef BSKIP_NOISE
static atomic_int noise_level;
static _Thread_local uint64_t noise_state;

void bskip__noise_point(void) {
    int level = atomic_load_explicit(&noise_level, memory_order_relaxed);
    if (level == 0) return;
    if (noise_state == 0) noise_state = (uint64_t)(uintptr_t)&noise_state | 1; /* per thread */
    noise_state ^= noise_state << 13;
    noise_state ^= noise_state >> 7;
    noise_state ^= noise_state << 17;
    uint64_t r = noise_state;
    if (r % 16 >= (uint64_t)level) return;
    if ((r >> 8) % 4 == 0) {
        sched_yield();
        return;
    }
    for (volatile uint64_t i = 0, n = (r >> 16) % (64u * (unsigned)level); i < n; i++) {
    }
}

int bskip_noise_set(int level) {
    if (level < 0 || level > 10) return BSKIP_EINVAL;
    atomic_store_explicit(&noise_level, level, memory_order_relaxed);
    return BSKIP_OK;
}
#else
int bskip_noise_set(int level) {
    (void)level;
    return BSKIP_ENOTSUP;
}
#endif
