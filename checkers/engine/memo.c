/* memo.c — the search's memo: the set of (linearized set, model state) configurations already
 * explored, stored compactly, growing in chunks, under a shared memory limit.
 *
 * Compact sets. The search (search.c, argument 5) numbers the completed operations 0..nc-1 in
 * call order and keeps `low`, the first completed operation not yet linearized. Every completed
 * operation below `low` is linearized; every linearized completed operation at or above `low`
 * lies below win_end[low] (the number of completed calls before the return of `low`: an
 * operation is a candidate only while its call precedes every remaining return, that of `low`
 * included). So a set is determined exactly by (low, the bit words of cbits covering
 * [low, win_end[low]), all of pbits): bits below `low` in the first word are all 1, bits from
 * win_end[low] on in the last word all 0, so equal sets give equal words and conversely. A
 * long history whose operations overlap a few at a time needs a few words per entry instead of
 * a bitset of the whole history.
 *
 * Layout. An entry is words [state, low, payload...]; its payload length is a function of
 * `low` (window_words). Entries live in chunks allocated one at a time, the first FIRST_CHUNK
 * words, each next one twice the last up to MAX_CHUNK (and always room for the largest entry):
 * a small history allocates little, a long one grows in 1 MiB steps, and there is no array that
 * doubles — a failed allocation costs at most one chunk, and the memory counted is what was
 * allocated. The table is open-addressed with linear probing, load <= 1/2; a slot is one word:
 * the high 32 bits of the entry's hash (its probe position too, and compared first, without
 * touching the entry) and the entry's index + 1 (0 = empty), which `where` maps to the entry's
 * words in blocks of BLOCK pointers (entries never move). 8 bytes a slot keeps the table dense in
 * cache: probes are the search's hottest memory traffic.
 *
 * Exactness. A probe compares the hash, then state, then low, then every payload word: a verdict
 * never depends on a hash not colliding (a collision costs a comparison).
 * Memory. Every chunk and table is counted in the shared lc_budget before it is allocated; over
 * the limit the add fails with LC_ELIMIT, leaving the memo as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "lc.h"

#define FIRST_CHUNK ((size_t)1 << 10) /* 8 KiB */
#define MAX_CHUNK ((size_t)1 << 17)   /* 1 MiB */
#define HEAD 2                        /* state, low */
#define BLOCK 4096                    /* entry pointers per block of `where` */

struct lc_memo {
    uint32_t nc, npw;          /* completed ops; pending bitset words */
    const uint32_t *win_end;   /* nc + 1 entries */
    uint64_t **chunks;
    size_t n_chunks, cap_chunks, biggest;
    size_t last_words, fill; /* size of the last chunk; words used in it */
    uint64_t *table;           /* tcap slots: hash's high 32 bits << 32 | entry index + 1 */
    size_t tcap, n;
    uint64_t ***where;         /* entry index -> its words, in blocks of BLOCK pointers */
    size_t n_blocks, cap_blocks;
    lc_budget *b;
    int64_t counted;           /* bytes this memo has taken from the budget */
};

static size_t window_words(const lc_memo *mm, uint32_t low)
{
    if (low >= mm->nc)
        return 0;
    return (size_t)((mm->win_end[low] - 1) >> 6) - (low >> 6) + 1;
}

static int take(lc_memo *mm, size_t bytes)
{
    int rc = lc_budget_take(mm->b, (int64_t)bytes);
    if (rc == 0)
        mm->counted += (int64_t)bytes;
    return rc;
}

int lc_memo_new(lc_memo **out, uint32_t n_completed, const uint32_t *win_end, uint32_t n_pending,
                lc_budget *b)
{
    lc_memo *mm = calloc(1, sizeof *mm);
    if (!mm)
        return LC_ENOMEM;
    mm->nc = n_completed;
    mm->npw = (n_pending + 63) / 64;
    mm->win_end = win_end;
    mm->b = b;
    mm->biggest = HEAD + (n_completed + 63) / 64 + 1 + mm->npw;
    mm->last_words = mm->fill = 0; /* no chunk yet: the first add allocates one */
    mm->tcap = 256; /* room for about n entries before the first growth (a sequential history) */
    while (mm->tcap < 2 * (size_t)(n_completed + n_pending))
        mm->tcap *= 2;
    int rc = take(mm, mm->tcap * sizeof *mm->table);
    if (rc == 0 && !(mm->table = calloc(mm->tcap, sizeof *mm->table)))
        rc = LC_ENOMEM;
    if (rc != 0) {
        lc_memo_free(mm);
        return rc;
    }
    *out = mm;
    return 0;
}

void lc_memo_free(lc_memo *mm)
{
    if (!mm)
        return;
    for (size_t i = 0; i < mm->n_chunks; i++)
        free(mm->chunks[i]);
    free(mm->chunks);
    for (size_t i = 0; i < mm->n_blocks; i++)
        free(mm->where[i]);
    free(mm->where);
    free(mm->table);
    lc_budget_give(mm->b, mm->counted);
    free(mm);
}

int64_t lc_memo_count(const lc_memo *mm) { return mm ? (int64_t)mm->n : 0; }

static int grow_table(lc_memo *mm)
{
    size_t ncap = mm->tcap * 2;
    int rc = take(mm, ncap * sizeof *mm->table);
    if (rc != 0)
        return rc;
    uint64_t *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return LC_ENOMEM;
    for (size_t i = 0; i < mm->tcap; i++) {
        if (!mm->table[i])
            continue;
        size_t j = (mm->table[i] >> 32) & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = mm->table[i];
    }
    free(mm->table);
    lc_budget_give(mm->b, (int64_t)(mm->tcap * sizeof *mm->table));
    mm->counted -= (int64_t)(mm->tcap * sizeof *mm->table);
    mm->table = nt;
    mm->tcap = ncap;
    return 0;
}

/* Room for `words` more words: *at points to the first. Returns 0 or an lc_error. */
static int reserve(lc_memo *mm, size_t words, uint64_t **at)
{
    if (mm->fill + words > mm->last_words) {
        size_t size = mm->last_words ? 2 * mm->last_words : FIRST_CHUNK;
        if (size > MAX_CHUNK)
            size = MAX_CHUNK;
        while (size < 4 * mm->biggest)
            size *= 2;
        if (mm->n_chunks == mm->cap_chunks) {
            size_t ncap = mm->cap_chunks ? 2 * mm->cap_chunks : 16;
            uint64_t **nc = realloc(mm->chunks, ncap * sizeof *nc);
            if (!nc)
                return LC_ENOMEM;
            mm->chunks = nc;
            mm->cap_chunks = ncap;
        }
        int rc = take(mm, size * sizeof(uint64_t));
        if (rc != 0)
            return rc;
        uint64_t *c = malloc(size * sizeof *c);
        if (!c)
            return LC_ENOMEM;
        mm->chunks[mm->n_chunks++] = c;
        mm->last_words = size;
        mm->fill = 0;
    }
    *at = mm->chunks[mm->n_chunks - 1] + mm->fill;
    mm->fill += words;
    return 0;
}

/* Records entry number mm->n at `e` in `where`. Returns 0 or an lc_error. */
static int record(lc_memo *mm, uint64_t *e)
{
    size_t b = mm->n / BLOCK;
    if (b == mm->n_blocks) {
        if (mm->n_blocks == mm->cap_blocks) {
            size_t ncap = mm->cap_blocks ? 2 * mm->cap_blocks : 16;
            uint64_t ***nw = realloc(mm->where, ncap * sizeof *nw);
            if (!nw)
                return LC_ENOMEM;
            mm->where = nw;
            mm->cap_blocks = ncap;
        }
        int rc = take(mm, BLOCK * sizeof(uint64_t *));
        if (rc != 0)
            return rc;
        if (!(mm->where[b] = malloc(BLOCK * sizeof(uint64_t *))))
            return LC_ENOMEM;
        mm->n_blocks++;
    }
    mm->where[b][mm->n % BLOCK] = e;
    return 0;
}

/* Word-wise equality: the key parts are a few words, below memcmp's call overhead. */
static inline int same_words(const uint64_t *a, const uint64_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (a[k] != b[k])
            return 0;
    return 1;
}

int lc_memo_add(lc_memo *mm, const uint64_t *cbits, uint32_t low, const uint64_t *pbits,
                int64_t state, uint64_t set_hash)
{
    uint64_t h = lc_mix64(set_hash ^ lc_mix64((uint64_t)state + 0x51ed27ULL));
    size_t ww = window_words(mm, low), kw = ww + mm->npw;
    const uint64_t *win = cbits + (low >> 6);
    uint64_t frag = h >> 32;
    size_t i = frag & (mm->tcap - 1);
    for (; mm->table[i]; i = (i + 1) & (mm->tcap - 1)) {
        if (mm->table[i] >> 32 != frag)
            continue;
        size_t idx = (size_t)(mm->table[i] & 0xffffffffu) - 1;
        const uint64_t *e = mm->where[idx / BLOCK][idx % BLOCK];
        if ((int64_t)e[0] == state && e[1] == low && same_words(e + HEAD, win, ww) &&
            same_words(e + HEAD + ww, pbits, mm->npw))
            return 1;
    }
    if (mm->n >= UINT32_MAX - 1)
        return LC_ETOOBIG;
    if (2 * (mm->n + 1) > mm->tcap) { /* grow first, so that a failure leaves nothing half-added */
        int rc = grow_table(mm);
        if (rc != 0)
            return rc;
        i = frag & (mm->tcap - 1);
        while (mm->table[i])
            i = (i + 1) & (mm->tcap - 1);
    }
    uint64_t *e;
    int rc = reserve(mm, HEAD + kw, &e);
    if (rc == 0)
        rc = record(mm, e);
    if (rc != 0)
        return rc;
    e[0] = (uint64_t)state;
    e[1] = low;
    memcpy(e + HEAD, win, ww * sizeof *win);
    memcpy(e + HEAD + ww, pbits, mm->npw * sizeof *pbits);
    mm->table[i] = frag << 32 | (uint64_t)(mm->n + 1);
    mm->n++;
    return 0;
}
