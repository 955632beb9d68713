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
 *                -> the first `limit` pairs with lo <= key < hi ascending (limit < 0: all);
 *                scan_desc(lo, hi, limit) -> the same range descending, the first `limit` of
 *                that order (the greatest keys), as Python's {"f": "scan", ..., "reverse": true}.
 *                Positional reads (read-only): select i -> the pair at position i in ascending
 *                order, i < 0 counting from the end (i + n), or None (LC_OUT_NONE) when out of
 *                range; rank k -> the number of keys < k (never None); index k -> the same
 *                number when k is present, None when it is absent. Each costs one binary search
 *                (rank, index) or O(1) (select) on the state's pair array.
 *  callback      state ids and steps come from Python (a user-defined Model): at most one
 *                successor per step.
 *  lossy-register  nondeterministic: a register whose writes may be lost — write v leads to
 *                {v, the old value}; read as register. (A store that acknowledges writes it may
 *                drop, e.g. an asynchronously replicated or evicting cache: the check still
 *                rejects reads of values never written, or read after a newer value was seen
 *                and the old one overwritten... as far as some choice of lost writes allows.)
 *  callback-sets a nondeterministic Python Model: any number of successors per step.
 * Nondeterministic models run through the powerset construction (as Porcupine does): the search
 * sees one canonical id per *set* of model states (hash-consed sorted arrays of base state ids,
 * in `sets`); a step maps every member to its successors and takes the union; it is illegal when
 * the union is empty. The search is unchanged: a set of states is a state of a deterministic
 * model whose histories are exactly those some resolution of the choices accepts.
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
    int64_t *atom_sid; /* kv: atom id -> string id + 1, interned on first use; 0: not yet */
    const uint8_t *blob;
    const int64_t *atom_off;
    int64_t n_atoms;
    lc_strstore *sets; /* nondeterministic models: set id + 1 -> sorted int64 members */
    int64_t *acc, *succ; /* scratch: union of successors; one member's successors */
    size_t cap_acc, cap_succ;
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
    lc_ss_free(m->sets);
    free(m->atom_sid);
    free(m->acc);
    free(m->succ);
    free(m->sc_keys);
    free(m->sc_vals);
    free(m);
}

int64_t lc_model_states(const lc_model_ctx *m)
{
    if (m->ms)
        return lc_ms_count(m->ms);
    return m->model == LC_CALLBACK || m->sets ? m->max_cb_state + 1 : 0;
}

int64_t lc_model_steps(const lc_model_ctx *m) { return m->steps; }

static int check_ops(const lc_model_ctx *m)
{
    for (int64_t i = 0; i < m->n_ops; i++) {
        const int64_t *o = m->ops + i * LC_OP_FIELDS;
        int64_t kind = o[F_KIND];
        if (kind < LC_GET || kind >= LC_N_KINDS)
            return LC_EINVAL;
        switch (m->model) {
        case LC_REGISTER:
        case LC_CAS_REGISTER:
        case LC_LOSSY_REGISTER:
            if (kind != LC_GET && kind != LC_PUT && !(kind == LC_CAS && m->model == LC_CAS_REGISTER))
                return LC_EINVAL;
            if (m->model == LC_LOSSY_REGISTER &&
                (o[kind == LC_PUT ? F_A : F_OUT] < 0 || o[kind == LC_PUT ? F_A : F_OUT] > INT32_MAX))
                return LC_EINVAL; /* its values are state ids */
            break;
        case LC_KV:
            if (kind == LC_CAS || kind >= LC_SCAN) /* no scans, no positional reads */
                return LC_EINVAL;
            if (o[F_B] < 0 || o[F_B] > m->n_atoms || /* F_A, the key, is any id */
                o[F_OUT] < 0 || o[F_OUT] > m->n_atoms)
                return LC_EINVAL;
            break;
        case LC_SORTEDMAP:
            if (kind == LC_CAS || kind == LC_APPEND)
                return LC_EINVAL;
            if ((kind == LC_SCAN || kind == LC_SCAN_DESC) && !(o[F_FLAGS] & LC_PENDING) &&
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

static int nondeterministic(int model) { return model == LC_LOSSY_REGISTER || model == LC_CALLBACK_SETS; }

int lc_model_new(int model, const int64_t *ops, int64_t n_ops, const int64_t *aux, int64_t n_aux,
                 const uint8_t *blob, const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb,
                 lc_model_ctx **out)
{
    if (model < 0 || model >= LC_N_MODELS || n_ops < 0 || n_aux < 0 || n_atoms < 0 ||
        ((model == LC_CALLBACK || model == LC_CALLBACK_SETS) && !cb) ||
        (model == LC_KV && n_atoms > 0 && (!blob || !atom_off)))
        return LC_EINVAL;
    lc_model_ctx *m = calloc(1, sizeof *m);
    if (!m)
        return LC_ENOMEM;
    *m = (lc_model_ctx){.model = model, .ops = ops, .n_ops = n_ops, .aux = aux, .n_aux = n_aux,
                        .cb = cb, .blob = blob, .atom_off = atom_off, .n_atoms = n_atoms};
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
    }
    if (rc == 0 && nondeterministic(model)) {
        int64_t zero = 0, id = 0;
        rc = lc_ss_new(&m->sets);
        if (rc == 0)
            rc = lc_ss_intern(m->sets, (const uint8_t *)&zero, sizeof zero, &id);
        if (rc == 0 && id != 1) /* the initial set {0} is set 0 (lc.h (1)) */
            rc = LC_EINVAL;
    }
    if (rc != 0) {
        lc_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* kv: the string id of atom j (interned on first use, so a partition interns only its own). */
static int atom_string(lc_model_ctx *m, int64_t j, int64_t *sid)
{
    if (j == 0) {
        *sid = 0;
        return 0;
    }
    if (m->atom_sid[j]) {
        *sid = m->atom_sid[j] - 1;
        return 0;
    }
    int64_t a = m->atom_off[j - 1], b = m->atom_off[j];
    if (a < 0 || b < a)
        return LC_EINVAL;
    int rc = lc_ss_intern(m->ss, m->blob + a, (size_t)(b - a), sid);
    if (rc == 0)
        m->atom_sid[j] = *sid + 1;
    return rc;
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
    int64_t cur = 0, arg = 0;
    lc_ms_get(m->ms, s, o[F_A], &cur);
    *next = s;
    int rc = atom_string(m, o[F_KIND] == LC_GET ? ((o[F_FLAGS] & LC_PENDING) ? 0 : o[F_OUT]) : o[F_B],
                         &arg);
    if (rc < 0)
        return rc;
    switch (o[F_KIND]) {
    case LC_GET:
        return (o[F_FLAGS] & LC_PENDING) || cur == arg;
    case LC_PUT:
        rc = lc_ms_set(m->ms, s, o[F_A], arg, arg != 0, next);
        return rc < 0 ? rc : 1;
    case LC_DELETE:
        rc = lc_ms_set(m->ms, s, o[F_A], 0, 0, next);
        return rc < 0 ? rc : 1;
    default: { /* LC_APPEND */
        int64_t v;
        size_t an, bn;
        const uint8_t *ap = lc_ss_bytes(m->ss, cur, &an);
        const uint8_t *bp = lc_ss_bytes(m->ss, arg, &bn);
        if (arg == 0 || bn == 0 || bp[0] != 's')
            return 0; /* appending None or a non-string */
        if (cur == 0) {
            v = arg;
        } else {
            if (an == 0 || ap[0] != 's')
                return 0; /* appending onto a non-string */
            rc = lc_ss_concat(m->ss, cur, bp + 1, bn - 1, &v);
            if (rc < 0)
                return rc;
        }
        rc = lc_ms_set(m->ms, s, o[F_A], v, 1, next);
        return rc < 0 ? rc : 1;
    }
    }
}

/* sortedmap select i: the pair at position i (i < 0: i + n) must be (F_OUT, F_AUX), or the
 * output None when no position i exists. */
static int step_select(const lc_model_ctx *m, const int64_t *o, int64_t s)
{
    if (o[F_FLAGS] & LC_PENDING)
        return 1;
    size_t n;
    const lc_pair *p = lc_ms_pairs(m->ms, s, &n);
    int64_t i = o[F_A];
    if (i < 0)
        i += (int64_t)n; /* no overflow: i < 0 and 0 <= n <= UINT32_MAX */
    int in = i >= 0 && i < (int64_t)n;
    if (o[F_FLAGS] & LC_OUT_NONE)
        return !in;
    return in && p[i].k == o[F_OUT] && p[i].v == o[F_AUX];
}

/* sortedmap rank k: F_OUT must be the number of keys < k (an output None is never right);
 * index k: the same when k is present, the output None when it is absent. */
static int step_rank(const lc_model_ctx *m, const int64_t *o, int64_t s)
{
    if (o[F_FLAGS] & LC_PENDING)
        return 1;
    size_t n;
    const lc_pair *p = lc_ms_pairs(m->ms, s, &n);
    size_t r = lc_ms_lower_bound(m->ms, s, o[F_A]);
    int none = (o[F_FLAGS] & LC_OUT_NONE) != 0;
    if (o[F_KIND] == LC_INDEX && !(r < n && p[r].k == o[F_A]))
        return none;
    return !none && (int64_t)r == o[F_OUT];
}

/* sortedmap scan / scan_desc (lo, hi, limit): the aux pairs at F_OUT (F_AUX of them) must be
 * exactly the first `limit` pairs of [lo, hi) in ascending / descending order. */
static int step_scan(const lc_model_ctx *m, const int64_t *o, int64_t s)
{
    if (o[F_FLAGS] & LC_PENDING)
        return 1;
    size_t n;
    const lc_pair *p = lc_ms_pairs(m->ms, s, &n);
    size_t first = lc_ms_lower_bound(m->ms, s, o[F_A]); /* the range is p[first .. end) */
    size_t end = lc_ms_lower_bound(m->ms, s, o[F_B]);
    size_t len = end > first ? end - first : 0;
    int64_t limit = o[F_C], want = o[F_AUX];
    size_t count = limit >= 0 && (uint64_t)limit < len ? (size_t)limit : len;
    if ((uint64_t)want != count)
        return 0;
    const int64_t *got = m->aux + o[F_OUT];
    int desc = o[F_KIND] == LC_SCAN_DESC;
    for (size_t j = 0; j < count; j++) {
        const lc_pair *q = &p[desc ? end - 1 - j : first + j];
        if (got[2 * j] != q->k || got[2 * j + 1] != q->v)
            return 0;
    }
    return 1;
}

static int step_sortedmap(lc_model_ctx *m, const int64_t *o, int64_t s, int64_t *next)
{
    *next = s;
    if (o[F_KIND] == LC_SELECT)
        return step_select(m, o, s);
    if (o[F_KIND] == LC_RANK || o[F_KIND] == LC_INDEX)
        return step_rank(m, o, s);
    if (o[F_KIND] == LC_SCAN || o[F_KIND] == LC_SCAN_DESC)
        return step_scan(m, o, s);
    int64_t cur = 0;
    int found = lc_ms_get(m->ms, s, o[F_A], &cur);
    if (!out_matches(o, found, cur))
        return 0;
    if (o[F_KIND] == LC_GET)
        return 1;
    int rc = lc_ms_set(m->ms, s, o[F_A], o[F_B], o[F_KIND] == LC_PUT, next);
    return rc < 0 ? rc : 1;
}

/* Room for n int64 in *buf (capacity *cap). */
static int reserve64(int64_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    if (n > SIZE_MAX / (2 * sizeof **buf))
        return LC_ENOMEM; /* the doubling below would overflow */
    size_t ncap = *cap ? *cap : 16;
    while (ncap < n)
        ncap *= 2;
    int64_t *nb = realloc(*buf, ncap * sizeof *nb);
    if (!nb)
        return LC_ENOMEM;
    *buf = nb;
    *cap = ncap;
    return 0;
}

/* The successors of base state s (nondeterministic models) in m->succ; returns their number. */
static int64_t base_successors(lc_model_ctx *m, const int64_t *o, int64_t op, int64_t s)
{
    if (reserve64(&m->succ, &m->cap_succ, 2) < 0)
        return LC_ENOMEM;
    if (m->model == LC_LOSSY_REGISTER) {
        if (o[F_KIND] == LC_PUT) { /* the write takes effect, or is lost */
            m->succ[0] = o[F_A];
            m->succ[1] = s;
            return 2;
        }
        m->succ[0] = s;
        return (o[F_FLAGS] & LC_PENDING) || o[F_OUT] == s;
    }
    for (;;) { /* LC_CALLBACK_SETS */
        int64_t n = m->cb(s, op, m->succ, (int64_t)m->cap_succ);
        if (n < 0 || n > INT32_MAX) /* more successors than any state space the ids can name */
            return LC_ECALLBACK;
        if ((size_t)n <= m->cap_succ)
            return n;
        if (reserve64(&m->succ, &m->cap_succ, (size_t)n) < 0)
            return LC_ENOMEM;
    }
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Powerset step (module doc): the set of successors of every member of set `state`. */
static int step_sets(lc_model_ctx *m, const int64_t *o, int64_t op, int64_t state, int64_t *next)
{
    size_t nbytes, k = 0;
    const uint8_t *mem = lc_ss_bytes(m->sets, state + 1, &nbytes);
    size_t nmem = nbytes / sizeof(int64_t);
    for (size_t i = 0; i < nmem; i++) {
        int64_t s;
        memcpy(&s, mem + i * sizeof s, sizeof s);
        int64_t n = base_successors(m, o, op, s);
        if (n < 0)
            return (int)n;
        if (reserve64(&m->acc, &m->cap_acc, k + (size_t)n) < 0)
            return LC_ENOMEM;
        for (int64_t j = 0; j < n; j++) {
            if (m->succ[j] < 0 || m->succ[j] > (int64_t)UINT32_MAX - 2)
                return m->succ[j] < 0 ? LC_ECALLBACK : LC_ETOOBIG;
            if (m->succ[j] > m->max_cb_state)
                m->max_cb_state = m->succ[j];
            m->acc[k++] = m->succ[j];
        }
    }
    if (k == 0)
        return 0;
    qsort(m->acc, k, sizeof *m->acc, cmp_i64);
    size_t u = 1;
    for (size_t i = 1; i < k; i++)
        if (m->acc[i] != m->acc[u - 1])
            m->acc[u++] = m->acc[i];
    int64_t id;
    int rc = lc_ss_intern(m->sets, (const uint8_t *)m->acc, u * sizeof *m->acc, &id);
    if (rc < 0)
        return rc;
    if (id - 1 > (int64_t)UINT32_MAX - 2)
        return LC_ETOOBIG;
    *next = id - 1;
    return 1;
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
    } else if (m->sets) {
        rc = step_sets(m, o, op, state, next);
    } else { /* LC_CALLBACK: at most one successor */
        int64_t r;
        int64_t n = m->cb(state, op, &r, 1);
        if (n < 0 || n > 1)
            return LC_ECALLBACK;
        if (n == 1 && (r < 0 || r > (int64_t)UINT32_MAX - 2))
            return r < 0 ? LC_ECALLBACK : LC_ETOOBIG;
        rc = n == 1;
        *next = r;
        if (rc && r > m->max_cb_state)
            m->max_cb_state = r;
    }
    if (rc < 0)
        return rc;
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
