/* strstore.c — hash-consed byte strings: the value states of the kv model (appends build new ones).
 *
 * Invariants:
 *  (1) Every distinct byte string is stored once; its id is canonical (equal strings <=> equal
 *      ids). Id 0 means "absent" and has no bytes.
 *  (2) Strings are immutable and live in one growing byte arena until lc_ss_free; ids index `ents`.
 *  (3) `table` is open-addressed with linear probing, load factor <= 1/2, holding id+1 (0 = empty);
 *      a probe compares the stored hash, then the length, then the bytes (exact equality).
 */
#include <stdlib.h>
#include <string.h>

#include "lc.h"

struct ss_ent {
    size_t off, len;
    uint64_t hash;
};

struct lc_strstore {
    uint8_t *bytes;
    size_t nbytes, capbytes;
    struct ss_ent *ents;
    size_t nents, capents;
    uint32_t *table;
    size_t tcap; /* power of two */
    uint8_t *scratch;
    size_t capscratch;
};

int lc_ss_new(lc_strstore **out)
{
    lc_strstore *ss = calloc(1, sizeof *ss);
    if (!ss)
        return LC_ENOMEM;
    ss->capents = 64;
    ss->ents = malloc(ss->capents * sizeof *ss->ents);
    ss->tcap = 128;
    ss->table = calloc(ss->tcap, sizeof *ss->table);
    ss->capbytes = 1024;
    ss->bytes = malloc(ss->capbytes);
    if (!ss->ents || !ss->table || !ss->bytes) {
        lc_ss_free(ss);
        return LC_ENOMEM;
    }
    ss->ents[0] = (struct ss_ent){0, 0, 0}; /* id 0: absent, never in the table */
    ss->nents = 1;
    *out = ss;
    return 0;
}

void lc_ss_free(lc_strstore *ss)
{
    if (!ss)
        return;
    free(ss->bytes);
    free(ss->ents);
    free(ss->table);
    free(ss->scratch);
    free(ss);
}

static int ss_grow_table(lc_strstore *ss)
{
    size_t ncap = ss->tcap * 2;
    uint32_t *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return LC_ENOMEM;
    for (size_t id = 1; id < ss->nents; id++) {
        size_t i = ss->ents[id].hash & (ncap - 1);
        while (nt[i])
            i = (i + 1) & (ncap - 1);
        nt[i] = (uint32_t)(id + 1);
    }
    free(ss->table);
    ss->table = nt;
    ss->tcap = ncap;
    return 0;
}

int lc_ss_intern(lc_strstore *ss, const uint8_t *p, size_t n, int64_t *id)
{
    uint64_t h = lc_hash_bytes(p, n);
    size_t i = h & (ss->tcap - 1);
    for (; ss->table[i]; i = (i + 1) & (ss->tcap - 1)) {
        const struct ss_ent *e = &ss->ents[ss->table[i] - 1];
        if (e->hash == h && e->len == n && (n == 0 || memcmp(ss->bytes + e->off, p, n) == 0)) {
            *id = ss->table[i] - 1;
            return 0;
        }
    }
    if (ss->nents >= UINT32_MAX - 1)
        return LC_ETOOBIG;
    if (ss->nbytes + n > ss->capbytes) {
        size_t ncap = ss->capbytes * 2;
        while (ncap < ss->nbytes + n)
            ncap *= 2;
        uint8_t *nb = realloc(ss->bytes, ncap);
        if (!nb)
            return LC_ENOMEM;
        ss->bytes = nb;
        ss->capbytes = ncap;
    }
    if (ss->nents == ss->capents) {
        struct ss_ent *ne = realloc(ss->ents, 2 * ss->capents * sizeof *ne);
        if (!ne)
            return LC_ENOMEM;
        ss->ents = ne;
        ss->capents *= 2;
    }
    if (n)
        memcpy(ss->bytes + ss->nbytes, p, n); /* p never points into the arena (see concat) */
    ss->ents[ss->nents] = (struct ss_ent){ss->nbytes, n, h};
    ss->nbytes += n;
    ss->table[i] = (uint32_t)(ss->nents + 1);
    *id = (int64_t)ss->nents++;
    if (2 * ss->nents > ss->tcap)
        return ss_grow_table(ss);
    return 0;
}

int lc_ss_concat(lc_strstore *ss, int64_t a, const uint8_t *tail, size_t tail_n, int64_t *id)
{
    size_t an;
    const uint8_t *ap = lc_ss_bytes(ss, a, &an);
    if (an + tail_n > ss->capscratch) {
        size_t ncap = 2 * (an + tail_n) + 64;
        uint8_t *ns = realloc(ss->scratch, ncap);
        if (!ns)
            return LC_ENOMEM;
        ss->scratch = ns;
        ss->capscratch = ncap;
    }
    /* Copy both parts out of the arena first: intern may move the arena. */
    if (an)
        memcpy(ss->scratch, ap, an);
    if (tail_n)
        memcpy(ss->scratch + an, tail, tail_n);
    return lc_ss_intern(ss, ss->scratch, an + tail_n, id);
}

const uint8_t *lc_ss_bytes(const lc_strstore *ss, int64_t id, size_t *n)
{
    const struct ss_ent *e = &ss->ents[id];
    *n = e->len;
    return ss->bytes + e->off;
}
