/* test_util.h — helpers shared by the core_c tests: a failing CHECK, a seeded RNG, the scale knob.
 *
 * CHECK prints the file, line, the failed expression and a formatted detail, then exits 1, so a
 * failure never passes silently. BSKIP_TEST_SCALE (env, default 1) divides the operation counts
 * for slow builds (ThreadSanitizer); a scale never skips a check, it only shortens the run.
 */
#ifndef BSKIP_TEST_UTIL_H
#define BSKIP_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bskip.h"

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_VALID(m)                                                                     \
    do {                                                                                   \
        char msg_[256];                                                                    \
        int rc_ = bskip_validate((m), msg_, sizeof msg_);                                  \
        CHECK(rc_ == BSKIP_OK, "validate: %s", msg_);                                      \
    } while (0)

typedef struct rng { uint64_t s; } rng;

static inline uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t rng_below(rng *r, uint64_t n) { return rng_next(r) % n; }

static inline long test_scale(void) {
    const char *s = getenv("BSKIP_TEST_SCALE");
    long v = s ? strtol(s, NULL, 10) : 1;
    return v > 0 ? v : 1;
}

#endif
