/* height.c — the height of a new key: bskip__draw_height, from a per-thread RNG stream per map.
 *
 * P(height > i) = p^i for the map's promotion probability p (promote_threshold = p * 2^64), capped
 * at BSKIP_MAX_LEVELS.
 *
 * Invariant: heights come from a per-thread xorshift64* stream owned by (thread, map serial);
 * streams are seeded from the map's seed and the order in which threads first insert into it, so
 * a single-threaded run with a given seed is reproducible. A thread's stream belongs to one map at
 * a time: switching maps re-seeds (a new stream of the other map), so no stream is shared between
 * threads and drawing takes no lock.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include "internal.h"

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
