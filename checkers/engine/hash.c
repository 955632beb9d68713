/* hash.c — the engine's byte-string hash (the 64-bit mixer it uses is inline in lc.h).
 *
 * Invariant: both are pure functions of their input (no seed, no state), so every store and the
 * memo table agree on hashes within and across calls. Collisions are always resolved by an exact
 * comparison of the hashed content; a weak hash can only cost time, never correctness.
 */
#include <string.h>

#include "lc.h"

uint64_t lc_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8); /* unaligned-safe load */
        h = lc_mix64(h ^ w);
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return lc_mix64(h ^ w ^ 0xa5a5a5a5a5a5a5a5ULL);
}
