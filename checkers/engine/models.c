/* models.c — the built-in sequential specifications, and the callback model, as step functions
 * over canonical state ids (lc.h invariant (1)).
 *
 *  register      state: atom id of the value (0 = None, the initial value).
 *                read -> out must equal the state; write v -> state v.
 *  cas-register  register plus cas(from, to): out 1 (ok) needs state == from and sets `to`;
 *                out 0 (fail) needs state != from and changes nothing (Jepsen's etcd test).
 *  kv            state: hash-consed map key atom -> string id (absent keys are not stored).
 *                get k -> out must equal the value (atom 0 = None = absent); put k v; delete k;
 *                append k s -> value becomes value ++ s (s alone when absent). Atom contents
 *                carry a one-byte type tag ('s' str, 'i' int, 'o' other): append is legal only
 *                onto a str and of a str; the tag makes 7 and "7" different values.
 *                Outputs of put/append/delete are not checked.
 *  sortedmap     state: hash-consed map int64 -> int64. get k -> value or None; put k v ->
 *                previous value or None; delete k -> previous value or None; scan(lo, hi, limit)
 *                -> the first `limit` pairs with lo <= key < hi ascending (limit < 0: all).
 *  callback      state ids and steps come from Python (a user-defined Model).
 * A pending operation (LC_PENDING) has no observed output: its step is always legal and only
 * applies its effect (a cas applies `to` if and only if the compare succeeds).
 *
 * Invariant: step results are memoised per (state, op) in an open-addressed table (`sc_*`), so
 * each successor is computed once however often the search revisits a state; the register models
 * skip the cache because their step is cheaper than a probe.
 */
#include <stdlib.h>
#include <string.h>

#include "lc.h"

#define SC_EMPTY UINT64_MAX

struct lc_model_ctx {
    int model;
    const int64_t *ops;
    int64_t n_ops;
    const int64_t *aux;
    int64_t n_aux;
    lc_step_cb cb;
    lc_strstore *ss;  /* kv values */
    lc_mapstore *ms;  /* kv and sortedmap states */
    int64_t *atom_sid; /* kv: atom id -> string id; atom 0 -> 0 */
    int64_t n_atoms;
    int64_t max_cb_state;
    int64_t steps;
    /* step cache: key (state << 32 | op), value successor or -1 (illegal) */
    uint64_t *sc_keys;
    int64_t *sc_vals;
    size_t sc_cap, sc_n;
};

static int sc_init(lc_model_ctx *m)
{
    m->sc_cap = 256;
    while (m->sc_cap < 4 * (size_t)m->n_ops)
        m->sc_cap *= 2;
    m->sc_keys = malloc(m->sc_cap * sizeof *m->sc_keys);
    m->sc_vals = malloc(m->sc_cap * sizeof *m->sc_vals);
    if (!m->sc_keys || !m->sc_vals)
        return LC_ENOMEM;
    memset(m->sc_keys, 0xff, m->sc_cap * sizeof *m->sc_keys);
    return 0;
}

static int sc_grow(lc_model_ctx *m)
{
    size_t ncap = m->sc_cap * 2;
    uint64_t *nk = malloc(ncap * sizeof *nk);
    int64_t *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return LC_ENOMEM;
    }
    memset(nk, 0xff, ncap * sizeof *nk);
    for (size_t i = 0; i < m->sc_cap; i++) {
        if (m->sc_keys[i] == SC_EMPTY)
            continue;
        size_t j = lc_mix64(m->sc_keys[i]) & (ncap - 1);
        while (nk[j] != SC_EMPTY)
            j = (j + 1) & (ncap - 1);
        nk[j] = m->sc_keys[i];
        nv[j] = m->sc_vals[i];
    }
    free(m->sc_keys);
    free(m->sc_vals);
    m->sc_keys = nk;
    m->sc_vals = nv;
    m->sc_cap = ncap;
    return 0;
}

void lc_model_free(lc_model_ctx *m)
{
    if (!m)
        return;
    lc_ss_free(m->ss);
    lc_ms_free(m->ms);
    free(m->atom_sid);
    free(m->sc_keys);
    free(m->sc_vals);
    free(m);
}

int64_t lc_model_states(const lc_model_ctx *m)
{
    if (m->ms)
        return lc_ms_count(m->ms);
    return m->model == LC_CALLBACK ? m->max_cb_state + 1 : 0;
}

int64_t lc_model_steps(const lc_model_ctx *m) { return m->steps; }

static int check_ops(const lc_model_ctx *m)
{
    for (int64_t i = 0; i < m->n_ops; i++) {
        const int64_t *o = m->ops + i * LC_OP_FIELDS;
        int64_t kind = o[F_KIND];
        if (kind < LC_GET || kind > LC_SCAN)
            return LC_EINVAL;
        switch (m->model) {
        case LC_REGISTER:
        case LC_CAS_REGISTER:
            if (kind != LC_GET && kind != LC_PUT && !(kind == LC_CAS && m->model == LC_CAS_REGISTER))
                return LC_EINVAL;
            break;
        case LC_KV:
            if (kind == LC_CAS || kind == LC_SCAN)
                return LC_EINVAL;
            if (o[F_B] < 0 || o[F_B] > m->n_atoms || /* F_A, the key, is any id */
                o[F_OUT] < 0 || o[F_OUT] > m->n_atoms)
                return LC_EINVAL;
            break;
        case LC_SORTEDMAP:
            if (kind == LC_CAS || kind == LC_APPEND)
                return LC_EINVAL;
            if (kind == LC_SCAN && !(o[F_FLAGS] & LC_PENDING) &&
                (o[F_AUX] < 0 || o[F_OUT] < 0 || o[F_OUT] > m->n_aux ||
                 o[F_AUX] > (m->n_aux - o[F_OUT]) / 2))
                return LC_EINVAL;
            break;
        default:
            break;
        }
    }
    return 0;
}

int lc_model_new(int model, const int64_t *ops, int64_t n_ops, const int64_t *aux, int64_t n_aux,
                 const uint8_t *blob, const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb,
                 lc_model_ctx **out)
{
    if (model < LC_REGISTER || model > LC_CALLBACK || n_ops < 0 || n_aux < 0 || n_atoms < 0 ||
        (model == LC_CALLBACK && !cb) || (model == LC_KV && n_atoms > 0 && (!blob || !atom_off)))
        return LC_EINVAL;
    lc_model_ctx *m = calloc(1, sizeof *m);
    if (!m)
        return LC_ENOMEM;
    *m = (lc_model_ctx){.model = model, .ops = ops, .n_ops = n_ops, .aux = aux, .n_aux = n_aux,
                        .cb = cb, .n_atoms = n_atoms};
    int rc = check_ops(m);
    if (rc == 0 && model != LC_REGISTER && model != LC_CAS_REGISTER)
        rc = sc_init(m);
    if (rc == 0 && (model == LC_KV || model == LC_SORTEDMAP))
        rc = lc_ms_new(&m->ms);
    if (rc == 0 && model == LC_KV) {
        rc = lc_ss_new(&m->ss);
        m->atom_sid = calloc((size_t)n_atoms + 1, sizeof *m->atom_sid);
        if (rc == 0 && !m->atom_sid)
            rc = LC_ENOMEM;
        for (int64_t j = 1; rc == 0 && j <= n_atoms; j++) {
            int64_t a = atom_off[j - 1], b = atom_off[j];
            if (a < 0 || b < a)
                rc = LC_EINVAL;
            else
                rc = lc_ss_intern(m->ss, blob + a, (size_t)(b - a), &m->atom_sid[j]);
        }
    }
    if (rc != 0) {
        lc_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* Does the observed nullable int64 output (flag LC_OUT_NONE, value) match (found, v)? */
static int out_matches(const int64_t *o, int found, int64_t v)
{
    if (o[F_FLAGS] & LC_PENDING)
        return 1;
    if (o[F_FLAGS] & LC_OUT_NONE)
        return !found;
    return found && o[F_OUT] == v;
}

static int step_register(const int64_t *o, int64_t s, int64_t *next)
{
    int pending = (o[F_FLAGS] & LC_PENDING) != 0;
    *next = s;
    switch (o[F_KIND]) {
    case LC_GET:
        return pending || o[F_OUT] == s;
    case LC_PUT:
        *next = o[F_A];
        return 1;
    default: /* LC_CAS */
        if (pending) {
            *next = s == o[F_A] ? o[F_B] : s;
            return 1;
        }
        if (o[F_OUT]) {
            *next = o[F_B];
            return s == o[F_A];
        }
        return s != o[F_A];
    }
}

static int step_kv(lc_model_ctx *m, const int64_t *o, int64_t s, int64_t *next)
{
    int64_t cur = 0;
    lc_ms_get(m->ms, s, o[F_A], &cur);
    *next = s;
    switch (o[F_KIND]) {
    case LC_GET:
        return (o[F_FLAGS] & LC_PENDING) || cur == m->atom_sid[o[F_OUT]];
    case LC_PUT: {
        int64_t v = m->atom_sid[o[F_B]];
        int rc = lc_ms_set(m->ms, s, o[F_A], v, v != 0, next);
        return rc < 0 ? rc : 1;
    }
    case LC_DELETE: {
        int rc = lc_ms_set(m->ms, s, o[F_A], 0, 0, next);
        return rc < 0 ? rc : 1;
    }
    default: { /* LC_APPEND */
        int64_t add = m->atom_sid[o[F_B]], v;
        size_t an, bn;
        const uint8_t *ap = lc_ss_bytes(m->ss, cur, &an);
        const uint8_t *bp = lc_ss_bytes(m->ss, add, &bn);
        if (add == 0 || bn == 0 || bp[0] != 's')
            return 0; /* appending None or a non-string */
        if (cur == 0) {
            v = add;
        } else {
            if (an == 0 || ap[0] != 's')
                return 0; /* appending onto a non-string */
            int rc = lc_ss_concat(m->ss, cur, bp + 1, bn - 1, &v);
            if (rc < 0)
                return rc;
        }
        int rc = lc_ms_set(m->ms, s, o[F_A], v, 1, next);
        return rc < 0 ? rc : 1;
    }
    }
}

static int step_sortedmap(lc_model_ctx *m, const int64_t *o, int64_t s, int64_t *next)
{
    *next = s;
    if (o[F_KIND] == LC_SCAN) {
        if (o[F_FLAGS] & LC_PENDING)
            return 1;
        size_t n;
        const lc_pair *p = lc_ms_pairs(m->ms, s, &n);
        size_t i = lc_ms_lower_bound(m->ms, s, o[F_A]);
        int64_t limit = o[F_C], count = 0, want = o[F_AUX];
        const int64_t *got = m->aux + o[F_OUT];
        for (; i < n && p[i].k < o[F_B] && (limit < 0 || count < limit); i++, count++) {
            if (count >= want || got[2 * count] != p[i].k || got[2 * count + 1] != p[i].v)
                return 0;
        }
        return count == want;
    }
    int64_t cur = 0;
    int found = lc_ms_get(m->ms, s, o[F_A], &cur);
    if (!out_matches(o, found, cur))
        return 0;
    if (o[F_KIND] == LC_GET)
        return 1;
    int rc = lc_ms_set(m->ms, s, o[F_A], o[F_B], o[F_KIND] == LC_PUT, next);
    return rc < 0 ? rc : 1;
}

int lc_model_step(lc_model_ctx *m, int64_t state, int64_t op, int64_t *next)
{
    const int64_t *o = m->ops + op * LC_OP_FIELDS;
    m->steps++;
    if (m->model == LC_REGISTER || m->model == LC_CAS_REGISTER)
        return step_register(o, state, next);
    uint64_t key = (uint64_t)state << 32 | (uint64_t)op;
    size_t i = lc_mix64(key) & (m->sc_cap - 1);
    for (; m->sc_keys[i] != SC_EMPTY; i = (i + 1) & (m->sc_cap - 1)) {
        if (m->sc_keys[i] == key) {
            *next = m->sc_vals[i];
            return *next >= 0;
        }
    }
    int rc;
    if (m->model == LC_KV) {
        rc = step_kv(m, o, state, next);
    } else if (m->model == LC_SORTEDMAP) {
        rc = step_sortedmap(m, o, state, next);
    } else {
        int64_t r = m->cb(state, op);
        if (r < -1)
            return LC_ECALLBACK;
        if (r > (int64_t)UINT32_MAX - 2)
            return LC_ETOOBIG;
        rc = r >= 0;
        *next = r;
        if (r > m->max_cb_state)
            m->max_cb_state = r;
    }
    if (rc < 0)
        return rc;
    /* Re-probe: the step may not touch this table, but keep the insert self-contained. */
    i = lc_mix64(key) & (m->sc_cap - 1);
    while (m->sc_keys[i] != SC_EMPTY)
        i = (i + 1) & (m->sc_cap - 1);
    m->sc_keys[i] = key;
    m->sc_vals[i] = rc ? *next : -1;
    if (2 * ++m->sc_n > m->sc_cap) {
        int g = sc_grow(m);
        if (g < 0)
            return g;
    }
    return rc;
}
