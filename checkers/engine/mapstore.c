/* mapstore.c — hash-consed immutable sorted maps int64 -> int64: the states of the kv and
 * sortedmap models.
 *
 * A map is a sorted array of (key, value) pairs in one shared arena, plus its length and hash.
 * Why this makes states cheap to hash and copy:
 *  - The hash of a map is the wrapping *sum* of a mixed hash of each pair, so the successor of a
 *    one-key change has its hash in O(1): h' = h - pair(k, old) + pair(k, new).
 *  - With that hash the successor is looked up before it is built. If it already exists (the
 *    common case in a backtracking search that reaches the same state along many paths) nothing is
 *    copied; only a genuinely new state is materialised (one O(n) copy, n = keys in the map).
 *    The search's step cache further guarantees each (state, op) successor is computed once.
 *  - States are immutable and canonical, so "copying" a state is copying its id.
 * Invariants:
 *  (1) Pairs of a map are strictly ascending by key; equal maps <=> equal ids; map 0 is empty.
 *  (2) A map's pairs never move: the arena only grows (realloc may move the whole arena, so
 *      pointers from lc_ms_pairs are valid only until the next lc_ms_set).
 *  (3) `table` is open-addressed with linear probing, load <= 1/2, holding id+1 (0 = empty);
 *      a hit requires equal hash, equal length and equal pairs (exact equality on collision).
 */
#include <stdlib.h>
#include <string.h>

#include "lc.h"

struct ms_ent {
    size_t off;
    uint32_t len;
    uint64_t hash;
};

struct lc_mapstore {
    lc_pair *pairs;
    size_t npairs, cappairs;
    struct ms_ent *ents;
    size_t nents, capents;
    uint32_t *table;
    size_t tcap;
};

static uint64_t pair_hash(int64_t k, int64_t v)
{
    return lc_mix64((uint64_t)k * 0x9e3779b97f4a7c15ULL ^ lc_mix64((uint64_t)v + 0x632be59bd9b4e019ULL));
}

int lc_ms_new(lc_mapstore **out)
{
    lc_mapstore *ms = calloc(1, sizeof *ms);
    if (!ms)
        return LC_ENOMEM;
    ms->cappairs = 256;
    ms->pairs = malloc(ms->cappairs * sizeof *ms->pairs);
    ms->capents = 64;
    ms->ents = malloc(ms->capents * sizeof *ms->ents);
    ms->tcap = 128;
    ms->table = calloc(ms->tcap, sizeof *ms->table);
    if (!ms->pairs || !ms->ents || !ms->table) {
        lc_ms_free(ms);
        return LC_ENOMEM;
    }
    ms->ents[0] = (struct ms_ent){0, 0, 0}; /* the empty map, hash 0 (empty sum) */
    ms->nents = 1;
    ms->table[0] = 1;
    *out = ms;
    return 0;
}

void lc_ms_free(lc_mapstore *ms)
{
    if (!ms)
        return;
    free(ms->pairs);
    free(ms->ents);
    free(ms->table);
    free(ms);
}

int64_t lc_ms_count(const lc_mapstore *ms) { return (int64_t)ms->nents; }

const lc_pair *lc_ms_pairs(const lc_mapstore *ms, int64_t map, size_t *n)
{
    *n = ms->ents[map].len;
    return ms->pairs + ms->ents[map].off;
}

size_t lc_ms_lower_bound(const lc_mapstore *ms, int64_t map, int64_t k)
{
    size_t n;
    const lc_pair *p = lc_ms_pairs(ms, map, &n);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].k < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int lc_ms_get(const lc_mapstore *ms, int64_t map, int64_t k, int64_t *v)
{
    size_t n;
    const lc_pair *p = lc_ms_pairs(ms, map, &n);
    size_t i = lc_ms_lower_bound(ms, map, k);
    if (i < n && p[i].k == k) {
        *v = p[i].v;
        return 1;
    }
    return 0;
}

/* Does stored map `e` equal base map `b` with position i changed? (mode: 0 replace value at i,
 * 1 insert (k, v) before i, 2 remove i). Called only on a full hash match. */
static int equals_edit(const lc_mapstore *ms, const struct ms_ent *e, const struct ms_ent *b,
                       size_t i, int mode, int64_t k, int64_t v)
{
    const lc_pair *x = ms->pairs + e->off, *y = ms->pairs + b->off;
    size_t n = e->len;
    for (size_t j = 0; j < n; j++) {
        lc_pair want;
        if (j < i)
            want = y[j];
        else if (j == i && mode != 2)
            want = (lc_pair){k, v};
        else
            want = y[mode == 1 ? j - 1 : j + (mode == 2)];
        if (x[j].k != want.k || x[j].v != want.v)
            return 0;
    }
    return 1;
}

static int ms_grow_table(lc_mapstore *ms)
{
    size_t ncap = ms->tcap * 2;
    uint32_t *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return LC_ENOMEM;
    for (size_t id = 0; id < ms->nents; id++) {
        size_t i = ms->ents[id].hash & (ncap - 1);
        while (nt[i])
            i = (i + 1) & (ncap - 1);
        nt[i] = (uint32_t)(id + 1);
    }
    free(ms->table);
    ms->table = nt;
    ms->tcap = ncap;
    return 0;
}

int lc_ms_set(lc_mapstore *ms, int64_t map, int64_t k, int64_t v, int present, int64_t *out)
{
    struct ms_ent base = ms->ents[map];
    const lc_pair *bp = ms->pairs + base.off;
    size_t i = lc_ms_lower_bound(ms, map, k);
    int found = i < base.len && bp[i].k == k;
    int mode;
    uint64_t h = base.hash;
    size_t len = base.len;
    if (found && present) {
        if (bp[i].v == v) {
            *out = map;
            return 0;
        }
        mode = 0;
        h = h - pair_hash(k, bp[i].v) + pair_hash(k, v);
    } else if (present) {
        mode = 1;
        h += pair_hash(k, v);
        len++;
    } else if (found) {
        mode = 2;
        h -= pair_hash(k, bp[i].v);
        len--;
    } else {
        *out = map;
        return 0;
    }
    size_t t = h & (ms->tcap - 1);
    for (; ms->table[t]; t = (t + 1) & (ms->tcap - 1)) {
        const struct ms_ent *e = &ms->ents[ms->table[t] - 1];
        if (e->hash == h && e->len == len && equals_edit(ms, e, &base, i, mode, k, v)) {
            *out = ms->table[t] - 1;
            return 0;
        }
    }
    if (ms->nents >= UINT32_MAX - 1 || len >= UINT32_MAX)
        return LC_ETOOBIG;
    if (ms->npairs + len > ms->cappairs) {
        size_t ncap = ms->cappairs * 2;
        while (ncap < ms->npairs + len)
            ncap *= 2;
        lc_pair *np = realloc(ms->pairs, ncap * sizeof *np);
        if (!np)
            return LC_ENOMEM;
        ms->pairs = np;
        ms->cappairs = ncap;
    }
    if (ms->nents == ms->capents) {
        struct ms_ent *ne = realloc(ms->ents, 2 * ms->capents * sizeof *ne);
        if (!ne)
            return LC_ENOMEM;
        ms->ents = ne;
        ms->capents *= 2;
    }
    bp = ms->pairs + base.off; /* the arena may have moved */
    lc_pair *dst = ms->pairs + ms->npairs;
    memcpy(dst, bp, i * sizeof *dst);
    if (mode == 0) {
        dst[i] = (lc_pair){k, v};
        memcpy(dst + i + 1, bp + i + 1, (base.len - i - 1) * sizeof *dst);
    } else if (mode == 1) {
        dst[i] = (lc_pair){k, v};
        memcpy(dst + i + 1, bp + i, (base.len - i) * sizeof *dst);
    } else {
        memcpy(dst + i, bp + i + 1, (base.len - i - 1) * sizeof *dst);
    }
    ms->ents[ms->nents] = (struct ms_ent){ms->npairs, (uint32_t)len, h};
    ms->npairs += len;
    ms->table[t] = (uint32_t)(ms->nents + 1);
    *out = (int64_t)ms->nents++;
    if (2 * ms->nents > ms->tcap)
        return ms_grow_table(ms);
    return 0;
}
