/* bruteforce.h — an independent, exhaustive linearizability checker for tiny histories, the oracle
 * of fuzz_checker.c. It shares nothing with checkers/engine/ but the encoding of lc.h.
 *
 * Models (written from the specification in checkers/engine/models.c's header, not its code):
 * register / cas-register over opaque atom ids; lossy-register, the nondeterministic register
 * whose every write may be lost (write v leads to v or to the old value); kv over atom keys and
 * byte-string values with type-tagged append; sortedmap over int64 keys and values with nullable
 * outputs, scans and the positional reads (select i: the i-th present key from the left, or from
 * the right for i < 0; rank k: present keys below k; index k: that, or None for an absent k),
 * each computed by walking the key slots 0..BF_KEYS-1.
 * Search: depth-first over every order of the operations that respects real time (op x must come
 * before op y when x returned strictly before y was called: closed intervals), where pending
 * operations may also be left out, and for lossy-register over every choice of which writes are
 * lost (no power-set construction: each choice is its own branch); no memoisation, no pruning
 * beyond model legality. Exponential, so each history (one partition) stays at BF_MAX_OPS
 * operations; the witness check (bf_witness_ok) is linear in the order and takes any length
 * up to BF_WITNESS_OPS.
 * Invariant: a bf_state is a plain value (copied on every step), so backtracking is trivial.
 */
#ifndef FUZZ_BRUTEFORCE_H
#define FUZZ_BRUTEFORCE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lc.h"

#define BF_MAX_OPS 8      /* per history given to bf_linearizable */
#define BF_WITNESS_OPS 32 /* per history given to bf_witness_ok (a bitmask of done ops) */
#define BF_KEYS 5   /* kv: key atoms 0..4; sortedmap: keys 0..4 */
#define BF_STR 40   /* kv value bytes (tag + appended characters) */

typedef struct bf_atoms { /* kv atom table: atom j (1-based) is bytes[j-1][0..len[j-1]) */
    int n;
    const char *bytes[8];
} bf_atoms;

typedef struct bf_state {
    int64_t reg;
    uint8_t present[BF_KEYS];
    int64_t val[BF_KEYS];        /* sortedmap */
    uint8_t len[BF_KEYS];        /* kv */
    char str[BF_KEYS][BF_STR];   /* kv */
} bf_state;

typedef struct bf_hist {
    int model;
    int n;
    const int64_t *ops; /* n * LC_OP_FIELDS */
    const int64_t *aux;
    const bf_atoms *atoms;
} bf_hist;

static inline const int64_t *bf_op(const bf_hist *h, int i) { return h->ops + i * LC_OP_FIELDS; }

/* kv: does the stored value of key k equal atom a (0 = absent)? */
static bool bf_kv_is(const bf_hist *h, const bf_state *s, int64_t k, int64_t a) {
    if (a == 0) return !s->present[k];
    const char *b = h->atoms->bytes[a - 1];
    size_t n = strlen(b);
    return s->present[k] && s->len[k] == n && memcmp(s->str[k], b, n) == 0;
}

/* Applies op i to *s; returns whether its observed output is legal (pending: always). */
static bool bf_step(const bf_hist *h, int i, bf_state *s) {
    const int64_t *o = bf_op(h, i);
    bool pending = (o[F_FLAGS] & LC_PENDING) != 0, none = (o[F_FLAGS] & LC_OUT_NONE) != 0;
    int64_t kind = o[F_KIND], a = o[F_A], b = o[F_B];
    switch (h->model) {
    case LC_REGISTER:
    case LC_CAS_REGISTER:
    case LC_LOSSY_REGISTER: /* the write taking effect; bf_next adds the lost one */
        if (kind == LC_GET) return pending || o[F_OUT] == s->reg;
        if (kind == LC_PUT) { s->reg = a; return true; }
        if (s->reg == a) { /* cas succeeds */
            if (!pending && !o[F_OUT]) return false;
            s->reg = b;
            return true;
        }
        return pending || !o[F_OUT];
    case LC_KV: {
        if (kind == LC_GET) return pending || bf_kv_is(h, s, a, o[F_OUT]);
        if (kind == LC_DELETE || (kind == LC_PUT && b == 0)) { s->present[a] = 0; return true; }
        const char *add = b ? h->atoms->bytes[b - 1] : NULL;
        size_t an = add ? strlen(add) : 0;
        if (kind == LC_PUT) {
            s->present[a] = 1;
            s->len[a] = (uint8_t)an;
            memcpy(s->str[a], add, an);
            return true;
        }
        /* append: only a str onto a str (or onto absent) */
        if (add == NULL || an == 0 || add[0] != 's') return false;
        if (!s->present[a]) {
            s->present[a] = 1;
            s->len[a] = (uint8_t)an;
            memcpy(s->str[a], add, an);
            return true;
        }
        if (s->len[a] == 0 || s->str[a][0] != 's') return false;
        if (s->len[a] + an - 1 > BF_STR) return false; /* not reached: BF_MAX_OPS appends of 1 */
        memcpy(s->str[a] + s->len[a], add + 1, an - 1);
        s->len[a] = (uint8_t)(s->len[a] + an - 1);
        return true;
    }
    default: { /* LC_SORTEDMAP */
        if (kind == LC_SELECT) {
            if (pending) return true;
            int64_t n = 0, want = a;
            for (int64_t k = 0; k < BF_KEYS; k++) n += s->present[k];
            if (want < 0) want += n;
            for (int64_t k = 0, pos = 0; k < BF_KEYS; k++) {
                if (!s->present[k]) continue;
                if (pos++ == want) return !none && o[F_OUT] == k && o[F_AUX] == s->val[k];
            }
            return none; /* no position `a` */
        }
        if (kind == LC_RANK || kind == LC_INDEX) {
            if (pending) return true;
            int64_t below = 0;
            for (int64_t k = 0; k < BF_KEYS && k < a; k++) below += s->present[k];
            if (kind == LC_INDEX && !(a >= 0 && a < BF_KEYS && s->present[a])) return none;
            return !none && o[F_OUT] == below;
        }
        if (kind == LC_SCAN || kind == LC_SCAN_DESC) { /* scan_desc: keys from the top down */
            if (pending) return true;
            int64_t limit = o[F_C], count = 0, want = o[F_AUX];
            const int64_t *got = h->aux + o[F_OUT];
            for (int64_t j = 0; j < BF_KEYS; j++) {
                int64_t k = kind == LC_SCAN ? j : BF_KEYS - 1 - j;
                if (!s->present[k] || k < a || k >= b || (limit >= 0 && count >= limit)) continue;
                if (count >= want || got[2 * count] != k || got[2 * count + 1] != s->val[k]) return false;
                count++;
            }
            return count == want;
        }
        bool found = s->present[a];
        if (!pending && (none ? found : (!found || o[F_OUT] != s->val[a]))) return false;
        if (kind == LC_PUT) { s->present[a] = 1; s->val[a] = b; }
        if (kind == LC_DELETE) s->present[a] = 0;
        return true;
    }
    }
}

/* Must op x come before op y (x returned strictly before y was called)? */
static bool bf_before(const bf_hist *h, int x, int y) {
    const int64_t *ox = bf_op(h, x), *oy = bf_op(h, y);
    return !(ox[F_FLAGS] & LC_PENDING) && ox[F_RET] < oy[F_CALL];
}

/* The states op i can lead to from *s, in out[0 .. return value): 0 when its observed output is
 * illegal, 2 for a lossy-register write (taken effect, lost), 1 otherwise. */
static int bf_next(const bf_hist *h, int i, const bf_state *s, bf_state out[2]) {
    out[0] = *s;
    if (!bf_step(h, i, &out[0])) return 0;
    if (h->model == LC_LOSSY_REGISTER && bf_op(h, i)[F_KIND] == LC_PUT) {
        out[1] = *s;
        return 2;
    }
    return 1;
}

static bool bf_search(const bf_hist *h, unsigned done, bf_state s) {
    bool all = true;
    for (int i = 0; i < h->n; i++)
        if (!(done >> i & 1) && !(bf_op(h, i)[F_FLAGS] & LC_PENDING)) all = false;
    if (all) return true; /* remaining pending ops are left out */
    for (int i = 0; i < h->n; i++) {
        if (done >> i & 1) continue;
        bool ready = true;
        for (int j = 0; j < h->n && ready; j++)
            if (!(done >> j & 1) && j != i && bf_before(h, j, i)) ready = false;
        if (!ready) continue;
        bf_state t[2];
        int k = bf_next(h, i, &s, t);
        for (int c = 0; c < k; c++)
            if (bf_search(h, done | 1u << i, t[c])) return true;
    }
    return false;
}

/* Is the history linearizable? (h->n <= BF_MAX_OPS) */
static bool bf_linearizable(const bf_hist *h) {
    bf_state s;
    memset(&s, 0, sizeof s);
    return bf_search(h, 0, s);
}

/* Some choice of lost writes makes lin[p..len) legal from s (deterministic models: one path). */
static bool bf_legal_from(const bf_hist *h, const int64_t *lin, int64_t p, int64_t len, bf_state s) {
    for (; p < len; p++) {
        bf_state t[2];
        int k = bf_next(h, (int)lin[p], &s, t);
        if (k == 0) return false;
        if (k == 2 && bf_legal_from(h, lin, p + 1, len, t[1])) return true;
        s = t[0];
    }
    return true;
}

/* Is lin[0..len) a valid witness: every completed op once, real time respected, every step legal
 * (lossy-register: for some choice of lost writes)? (h->n <= BF_WITNESS_OPS) */
static bool bf_witness_ok(const bf_hist *h, const int64_t *lin, int64_t len) {
    unsigned done = 0;
    for (int64_t p = 0; p < len; p++) {
        int64_t i = lin[p];
        if (i < 0 || i >= h->n || (done >> i & 1)) return false;
        for (int j = 0; j < h->n; j++)
            if (!(done >> j & 1) && j != i && bf_before(h, j, (int)i)) return false;
        done |= 1u << i;
    }
    for (int i = 0; i < h->n; i++)
        if (!(done >> i & 1) && !(bf_op(h, i)[F_FLAGS] & LC_PENDING)) return false;
    bf_state s;
    memset(&s, 0, sizeof s);
    return bf_legal_from(h, lin, 0, len, s);
}

#endif /* FUZZ_BRUTEFORCE_H */
