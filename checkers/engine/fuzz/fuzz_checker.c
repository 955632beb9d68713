/* fuzz_checker.c — libFuzzer target for the linearizability checker's C engine (checkers/engine/).
 *
 * Two kinds of input, chosen by the first byte:
 *  - generated (most inputs): a history of 1..24 operations of the register, cas-register,
 *    lossy-register, kv or sortedmap model (with its positional reads select/rank/index for a
 *    quarter of the ops) with small call/return times (so operations overlap),
 *    some pending, split into 1..3 partitions of at most BF_MAX_OPS operations (lossy-register:
 *    BF_MAX_LOSSY, as its brute force also branches on every write), each an independent
 *    history with its own model state; optionally a "big" partition, first or last (6..8
 *    overlapping writes, then a read; register models only), whose verdict is known by
 *    construction and whose search is long enough (> 1024 steps) to see a cancellation while it
 *    runs: last, it must stop when a partition before it is illegal; first, it must not.
 *    Outputs come from running the model along a random order that respects real time
 *    (lossy-register: each write randomly lost or not), so many histories are linearizable; then
 *    some outputs are corrupted, so many are not. Oracles:
 *      A  workers 1, no stop_at_illegal: each partition's verdict equals bruteforce.h's exhaustive
 *         answer (big: the constructed one), its witness (lin_out) of an ok partition is a legal
 *         linearization (bf_witness_ok), and the overall verdict and *first follow lc.h's rule:
 *         illegal iff some partition is, *first the lowest such index;
 *      B  workers 2..4: identical to A partition by partition (result, why, lin_out, stats:
 *         the search of one partition is deterministic);
 *      C  workers 1, stop_at_illegal: partitions up to A's *first identical, later ones cancelled
 *         (UNKNOWN, LC_WHY_CANCELLED); D the same on 2..4 workers, where a later one may also be
 *         decided (then as in A); same verdict and *first as A;
 *      E  (some inputs) a memory limit from 1 byte to 256 KiB for all partitions together: each
 *         partition as in A or UNKNOWN with LC_WHY_MEMORY_LIMIT (or cancelled after the first
 *         illegal one, with stop_at_illegal), never a wrong verdict;
 *      F, G, H  the register models again through the callback models, on 2..4 workers: a
 *         deterministic cas-register callback as LC_CALLBACK (F) and as LC_CALLBACK_SETS (G), a
 *         lossy-register callback as LC_CALLBACK_SETS (H), their successors repeated 1..36
 *         times (so a step may not fit the engine's buffer and is asked again); the same
 *         verdicts and witnesses as the built-in models in A (see "callback layout" below).
 *  - raw: arbitrary int64 fields (kinds, flags, atom ids, scan offsets and counts) with exactly
 *    sized arrays, in 1..3 partitions, every model (callbacks through a hash-driven callback that
 *    also fails, returns bad state ids or more successors than fit), -1..1000 workers, sometimes a
 *    tiny memory limit (1..4096 bytes) or deadline, invalid arguments (NULL arrays, negative or
 *    huge counts, no options). Oracle: lc_check returns a verdict or a public lc_error
 *    (LC_EINVAL for malformed input; never the internal LC_ENOMEM, LC_ELIMIT, LC_ECANCEL), the
 *    verdict follows from the partitions' results as lc.h says, every UNKNOWN says a why that
 *    its options allow, every reported linearization is distinct in-range op indices (an ok one
 *    holds every completed op, in real-time order), and nothing crashes, reads out of bounds or
 *    leaks (ASan/LSan), within 1 s.
 * Any disagreement aborts with the history printed, which libFuzzer records as a crash.
 *
 * Input layout (make_seeds.py writes seeds in it). Byte 0: raw when % 8 == 7. Generated: model,
 * op count, the ops (times, pending, arguments, point), corruption byte and its argument bytes
 * — exactly the one-partition target's format, so its corpus still means the same histories —
 * then the extension: e0 (partitions, lossy, big, big last), e1 (workers, stop_at_illegal for
 * E-H, memory limit kind, callback duplication), e2 (extra ops) and their ops, one byte per op
 * (partition, lost), the big partition's byte and the memory limit's u16. Raw: model, partition
 * 0 (count, aux count, fields, aux), x0 (partitions, model override, no callback), x1 (workers,
 * stop_at_illegal, memory limit kind, tiny deadline), x2 (invalid arguments), the memory limit's
 * u16, the callback's seed (3 bytes), partitions 1.. . Bytes past the end read as 0.
 *
 * Callback layout. lc_step_cb has no user pointer, and with several partitions on several
 * workers it is called for all of them at once, so the callbacks here are pure functions of
 * (state, op) and of the table `cbt`, written before lc_check and only read during it. To tell
 * the partitions apart, partition p is given to the callback models as p never-stepped pads
 * (pending reads called after every return), then at index p a "tag" op that returns before
 * every other call, then its own ops: in the initial state 0 only the tag is a candidate, so
 * the callback knows p from the op index there, and it encodes p in every later state
 * (1 + p * NV + value). The search after the tag is the built-in model's search, state for
 * state, so the verdict is the same and the witness is the built-in one behind the tag.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bruteforce.h"
#include "input.h"

#define MAX_SMALL 3                        /* small partitions of a generated history */
#define BF_MAX_LOSSY 6                     /* lossy-register: ops per small partition */
#define MAX_TOTAL (MAX_SMALL * BF_MAX_OPS) /* operations of a generated history */
#define BIG_MAX 8                          /* writes of the big partition */
#define NP (MAX_SMALL + 1)                 /* partitions of one lc_check: big + small */
#define PCAP (NP + 1 + BIG_MAX + 1)        /* ops of one partition in the callback layout */
#define MAX_AUX (2 * BF_KEYS * MAX_TOTAL)
#define NV 16 /* callback models: register values 0..NV-1 */
#define RAW_MAX_OPS 24
#define RAW_PARTS 3

static const bf_atoms kv_atoms = {6, {"sa", "sb", "s", "i7", "s7", "sab"}};

typedef struct gen {
    int model;   /* the built-in model checked */
    int n_total; /* ops of the history */
    int64_t ops[MAX_TOTAL * LC_OP_FIELDS]; /* the whole history, in generation order */
    int64_t point[MAX_TOTAL];              /* linearization point used to make the outputs */
    int part_of[MAX_TOTAL];                /* its small partition */
    uint8_t lost[MAX_TOTAL];               /* lossy-register: the write is lost */
    int64_t aux[MAX_AUX];
    int64_t n_aux;
    uint8_t blob[64];
    int64_t atom_off[9];
    /* the partitions as lc_check sees them: the small ones, the big one first or last */
    int n_parts, has_big, big_idx;
    int64_t pops[NP][PCAP * LC_OP_FIELDS];
    int64_t pn[NP];
    bool expect[NP]; /* linearizable (brute force; the big one by construction) */
    /* the same partitions in the callback layout (file header) */
    int64_t cops[NP][PCAP * LC_OP_FIELDS];
    int64_t cn[NP];
} gen;

typedef struct run {
    const char *name;
    lc_part p[NP];
    int64_t lin[NP][PCAP];
    int v;
    int64_t first;
} run;

static const gen *current; /* for fail()'s dump */

static void dump_ops(const int64_t *ops, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const int64_t *o = ops + i * LC_OP_FIELDS;
        fprintf(stderr, "    op %" PRId64 ": [%" PRId64 ", %" PRId64 "] kind %" PRId64 " flags %" PRId64
                " a %" PRId64 " b %" PRId64 " c %" PRId64 " out %" PRId64 " aux %" PRId64 "\n",
                i, o[F_CALL], o[F_RET], o[F_KIND], o[F_FLAGS], o[F_A], o[F_B], o[F_C], o[F_OUT],
                o[F_AUX]);
    }
}

static void dump_run(const run *r, int n) {
    fprintf(stderr, "  run %s: verdict %d, first %" PRId64 "\n", r->name, r->v, r->first);
    for (int i = 0; i < n; i++) {
        const lc_part *p = &r->p[i];
        fprintf(stderr, "    part %d: result %d why %d lin_len %" PRId64 " lin", i, p->result, p->why,
                p->lin_len);
        for (int64_t k = 0; k < p->lin_len && k < p->n_ops; k++) fprintf(stderr, " %" PRId64, p->lin_out[k]);
        fprintf(stderr, " stats %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", p->stats[0],
                p->stats[1], p->stats[2], p->stats[3]);
    }
}

/* Prints the message, the history and the runs given (NULL-terminated), and aborts. */
static void fail(const run *a, const run *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_checker: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (current) {
        fprintf(stderr, "  model %d, %d partitions (the big one: %d), aux %" PRId64 " words\n",
                current->model, current->n_parts, current->big_idx, current->n_aux);
        for (int i = 0; i < current->n_parts; i++) {
            fprintf(stderr, "  partition %d (%s by brute force / construction):\n", i,
                    current->expect[i] ? "linearizable" : "not linearizable");
            dump_ops(current->pops[i], current->pn[i]);
        }
        if (current->n_aux) {
            fprintf(stderr, "  aux:");
            for (int64_t k = 0; k < current->n_aux; k++) fprintf(stderr, " %" PRId64, current->aux[k]);
            fprintf(stderr, "\n");
        }
    }
    if (a) dump_run(a, current ? current->n_parts : 0);
    if (b) dump_run(b, current ? current->n_parts : 0);
    abort();
}

static void kv_blob(uint8_t *blob, int64_t *atom_off) {
    size_t off = 0;
    atom_off[0] = 0;
    for (int j = 0; j < kv_atoms.n; j++) {
        size_t n = strlen(kv_atoms.bytes[j]);
        memcpy(blob + off, kv_atoms.bytes[j], n);
        off += n;
        atom_off[j + 1] = (int64_t)off;
    }
}

/* ---- the checks every lc_check result must pass (generated and raw) ---- */

static bool public_result(int r) {
    return r == LC_VERDICT_OK || r == LC_VERDICT_ILLEGAL || r == LC_VERDICT_UNKNOWN ||
           r == LC_EINVAL || r == LC_ECALLBACK || r == LC_ETOOBIG;
}

/* lc.h's rules on one lc_check's results: public codes only, the verdict and *first a function
 * of the partitions' results, an UNKNOWN's why one the options allow (cancelled: only after the
 * first illegal partition), lin_out[0 .. lin_len) distinct indices of the partition's ops. */
static void check_rules(const run *r, int n, const lc_options *opt) {
    if (!public_result(r->v)) fail(r, NULL, "%s: lc_check returned %d", r->name, r->v);
    int64_t illegal = -1, err = -1, unknown = -1;
    for (int i = 0; i < n; i++) {
        const lc_part *p = &r->p[i];
        if (!public_result(p->result)) fail(r, NULL, "%s: part %d: result %d", r->name, i, p->result);
        if (p->result == LC_VERDICT_ILLEGAL && illegal < 0) illegal = i;
        if (p->result < 0 && err < 0) err = i;
        if (p->result == LC_VERDICT_UNKNOWN && unknown < 0) unknown = i;
        if (p->result != LC_VERDICT_UNKNOWN && p->result >= 0 && p->why != LC_WHY_NONE)
            fail(r, NULL, "%s: part %d: result %d with why %d", r->name, i, p->result, p->why);
        if (p->result == LC_VERDICT_UNKNOWN) {
            bool ok = (p->why == LC_WHY_TIMEOUT && opt->timeout_s > 0) ||
                      (p->why == LC_WHY_MEMORY_LIMIT && opt->max_memory > 0) ||
                      p->why == LC_WHY_OUT_OF_MEMORY ||
                      (p->why == LC_WHY_CANCELLED && opt->stop_at_illegal);
            if (!ok) fail(r, NULL, "%s: part %d: unknown with why %d", r->name, i, p->why);
        }
        if (p->result < 0 || p->n_ops < 0 || p->n_ops > (int64_t)1 << 20) continue;
        if (p->lin_len < 0 || p->lin_len > p->n_ops)
            fail(r, NULL, "%s: part %d: lin_len %" PRId64 " of %" PRId64 " ops", r->name, i, p->lin_len,
                 p->n_ops);
        for (int64_t k = 0; k < p->lin_len; k++) {
            int64_t op = p->lin_out[k];
            if (op < 0 || op >= p->n_ops)
                fail(r, NULL, "%s: part %d: lin_out[%" PRId64 "] = %" PRId64, r->name, i, k, op);
            for (int64_t j = 0; j < k; j++)
                if (p->lin_out[j] == op) fail(r, NULL, "%s: part %d: op %" PRId64 " twice in lin_out", r->name, i, op);
        }
    }
    int want = illegal >= 0 ? LC_VERDICT_ILLEGAL : err >= 0 ? r->p[err].result
             : unknown >= 0 ? LC_VERDICT_UNKNOWN : LC_VERDICT_OK;
    int64_t want_first = illegal >= 0 ? illegal : err >= 0 ? err : unknown;
    if (r->v != want || r->first != want_first)
        fail(r, NULL, "%s: verdict %d, first %" PRId64 " but the partitions say %d, %" PRId64, r->name,
             r->v, r->first, want, want_first);
    for (int i = 0; i < n; i++)
        if (r->p[i].result == LC_VERDICT_UNKNOWN && r->p[i].why == LC_WHY_CANCELLED && i <= illegal)
            fail(r, NULL, "%s: part %d cancelled, but the first illegal partition is %" PRId64, r->name, i,
                 illegal);
    if (illegal < 0)
        for (int i = 0; i < n; i++)
            if (r->p[i].result == LC_VERDICT_UNKNOWN && r->p[i].why == LC_WHY_CANCELLED)
                fail(r, NULL, "%s: part %d cancelled, but no partition is illegal", r->name, i);
}

/* An ok witness holds every completed op, and respects real time (y after x only if y did not
 * return before x was called). Model legality is checked separately where there is an oracle. */
static void check_witness_order(const run *r, int i) {
    const lc_part *p = &r->p[i];
    if (p->result != LC_VERDICT_OK) return;
    for (int64_t op = 0; op < p->n_ops; op++) {
        if (p->ops[op * LC_OP_FIELDS + F_FLAGS] & LC_PENDING) continue;
        bool in = false;
        for (int64_t k = 0; k < p->lin_len && !in; k++) in = p->lin_out[k] == op;
        if (!in) fail(r, NULL, "%s: part %d: ok, but completed op %" PRId64 " is not in lin_out", r->name, i, op);
    }
    for (int64_t k = 0; k < p->lin_len; k++)
        for (int64_t j = k + 1; j < p->lin_len; j++) {
            const int64_t *x = p->ops + p->lin_out[k] * LC_OP_FIELDS, *y = p->ops + p->lin_out[j] * LC_OP_FIELDS;
            if (!(y[F_FLAGS] & LC_PENDING) && y[F_RET] < x[F_CALL])
                fail(r, NULL, "%s: part %d: witness puts op %" PRId64 " after op %" PRId64 ", called after it returned",
                     r->name, i, p->lin_out[j], p->lin_out[k]);
        }
}

/* ---- callbacks: pure functions of their arguments and of cbt (written before lc_check) ---- */

static struct {
    int n;                 /* partitions */
    const int64_t *ops[NP]; /* partition p in the callback layout: p pads, tag at index p, ops */
    int64_t n_ops[NP];
    int64_t dup;           /* callback-sets: each successor written dup times */
} cbt;

/* Values a register (cas semantics; lossy: writes may be lost) may hold after op o from value v. */
static int reg_next(bool lossy, const int64_t *o, int64_t v, int64_t out[2]) {
    bool pending = (o[F_FLAGS] & LC_PENDING) != 0;
    out[0] = v;
    switch (o[F_KIND]) {
    case LC_GET:
        return pending || o[F_OUT] == v;
    case LC_PUT:
        out[0] = o[F_A];
        out[1] = v;
        return lossy ? 2 : 1;
    case LC_CAS:
        if (pending) {
            out[0] = v == o[F_A] ? o[F_B] : v;
            return 1;
        }
        if (o[F_OUT]) {
            out[0] = o[F_B];
            return v == o[F_A];
        }
        return v != o[F_A];
    default:
        return -1;
    }
}

/* The successor states of `state` after op `op` (states: 0 before the tag, 1 + p * NV + value
 * after it), or -2 for a step the layout never asks for. */
static int64_t cb_states(bool lossy, int64_t state, int64_t op, int64_t out[2]) {
    if (state == 0) { /* only a tag can be a candidate: op p is partition p's tag */
        if (op < 0 || op >= cbt.n) return -2;
        out[0] = 1 + op * NV;
        return 1;
    }
    int64_t p = (state - 1) / NV, v = (state - 1) % NV;
    if (state < 0 || p >= cbt.n || op <= p || op >= cbt.n_ops[p]) return -2; /* a pad, or the tag again */
    int64_t vals[2];
    int k = reg_next(lossy, cbt.ops[p] + op * LC_OP_FIELDS, v, vals);
    for (int j = 0; j < k; j++) {
        if (vals[j] < 0 || vals[j] >= NV) return -2;
        out[j] = 1 + p * NV + vals[j];
    }
    return k;
}

static int64_t cb_det(int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    int64_t out[2], k = cb_states(false, state, op, out);
    if (k > 0 && cap >= 1) succ[0] = out[0];
    return k;
}

static int64_t cb_sets(bool lossy, int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    int64_t out[2], k = cb_states(lossy, state, op, out);
    if (k <= 0) return k;
    int64_t n = k * cbt.dup;
    for (int64_t j = 0; j < n && j < cap; j++) succ[j] = out[j / cbt.dup]; /* each dup times in a row */
    return n;
}

static int64_t cb_sets_det(int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    return cb_sets(false, state, op, succ, cap);
}

static int64_t cb_sets_lossy(int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    return cb_sets(true, state, op, succ, cap);
}

/* ---- generated histories ---- */

/* Fills op o's kind and arguments for the model (outputs come later). */
static void gen_args(input *in, int model, int64_t *o) {
    uint8_t b = input_u8(in);
    switch (model) {
    case LC_REGISTER:
    case LC_CAS_REGISTER:
    case LC_LOSSY_REGISTER:
        o[F_KIND] = model == LC_CAS_REGISTER && b % 3 == 2 ? LC_CAS : b % 2 ? LC_PUT : LC_GET;
        o[F_A] = input_u8(in) % 4;
        o[F_B] = input_u8(in) % 4;
        break;
    case LC_KV: {
        static const int kinds[4] = {LC_GET, LC_PUT, LC_DELETE, LC_APPEND};
        o[F_KIND] = kinds[b % 4];
        o[F_A] = input_u8(in) % 3;
        o[F_B] = input_u8(in) % (kv_atoms.n + 1);
        break;
    }
    default: { /* sortedmap: b >= 192 (a quarter of the ops) a positional read or a scan_desc */
        static const int kinds[4] = {LC_GET, LC_PUT, LC_DELETE, LC_SCAN};
        static const int positional[4] = {LC_SELECT, LC_RANK, LC_INDEX, LC_SCAN_DESC};
        o[F_KIND] = b >= 192 ? positional[b % 4] : kinds[b % 4];
        uint8_t a = input_u8(in);
        o[F_A] = a % BF_KEYS;
        if (o[F_KIND] == LC_SELECT) /* positions -BF_KEYS-1 .. BF_KEYS: in range and out of it */
            o[F_A] = (int64_t)(a % (2 * BF_KEYS + 2)) - (BF_KEYS + 1);
        o[F_B] = o[F_KIND] == LC_SCAN || o[F_KIND] == LC_SCAN_DESC
                     ? o[F_A] + input_u8(in) % (BF_KEYS + 1 - o[F_A])
                                      : input_u8(in) % 4;
        o[F_C] = (int64_t)(input_u8(in) % 5) - 1; /* scan limit: -1 (none) .. 3 */
        break;
    }
    }
}

/* Reads op i: times, pending, arguments, linearization point (pending: maybe never, 1000). */
static void read_op(input *in, gen *g, int i) {
    int64_t *o = g->ops + i * LC_OP_FIELDS;
    uint8_t t = input_u8(in);
    o[F_CLIENT] = i;
    o[F_CALL] = t % 12;
    o[F_RET] = o[F_CALL] + (t >> 4) % 6;
    o[F_FLAGS] = (input_u8(in) % 8 == 0) ? LC_PENDING : 0;
    gen_args(in, g->model, o);
    uint8_t p = input_u8(in);
    g->point[i] = (o[F_FLAGS] & LC_PENDING) && (p & 1) ? 1000 : o[F_CALL] + p % (o[F_RET] - o[F_CALL] + 1);
}

/* Runs op i on its partition's state to compute the output a correct system would give. */
static void gen_output(gen *g, const bf_hist *h, int i, bf_state *s) {
    int64_t *o = g->ops + i * LC_OP_FIELDS;
    o[F_FLAGS] &= LC_PENDING;
    switch (g->model) {
    case LC_REGISTER:
    case LC_CAS_REGISTER:
    case LC_LOSSY_REGISTER:
        if (o[F_KIND] == LC_GET) o[F_OUT] = s->reg;
        if (o[F_KIND] == LC_CAS) o[F_OUT] = s->reg == o[F_A];
        if (o[F_KIND] == LC_PUT && g->lost[i]) return; /* lossy: this write is lost */
        break;
    case LC_KV:
        if (o[F_KIND] == LC_GET) { /* the atom equal to the value, else a non-matching one */
            o[F_OUT] = 0;
            if (s->present[o[F_A]]) {
                o[F_OUT] = 1;
                for (int a = 1; a <= kv_atoms.n; a++)
                    if (bf_kv_is(h, s, o[F_A], a)) o[F_OUT] = a;
            }
        }
        break;
    default:
        if (o[F_KIND] == LC_SCAN || o[F_KIND] == LC_SCAN_DESC) { /* desc: from the top down */
            int64_t count = 0;
            o[F_OUT] = g->n_aux;
            for (int64_t j = o[F_A]; j < o[F_B]; j++) {
                int64_t k = o[F_KIND] == LC_SCAN ? j : o[F_B] - 1 - (j - o[F_A]);
                if (!s->present[k] || (o[F_C] >= 0 && count >= o[F_C])) continue;
                g->aux[g->n_aux++] = k;
                g->aux[g->n_aux++] = s->val[k];
                count++;
            }
            o[F_AUX] = count;
        } else if (o[F_KIND] == LC_SELECT) { /* the pair at position F_A, else None */
            int64_t n = 0, want = o[F_A], pos = 0;
            for (int64_t k = 0; k < BF_KEYS; k++) n += s->present[k];
            if (want < 0) want += n;
            o[F_FLAGS] |= LC_OUT_NONE;
            for (int64_t k = 0; k < BF_KEYS; k++) {
                if (!s->present[k] || pos++ != want) continue;
                o[F_FLAGS] &= ~LC_OUT_NONE;
                o[F_OUT] = k;
                o[F_AUX] = s->val[k];
            }
        } else if (o[F_KIND] == LC_RANK || o[F_KIND] == LC_INDEX) { /* keys below; index: None if absent */
            o[F_OUT] = 0;
            for (int64_t k = 0; k < o[F_A]; k++) o[F_OUT] += s->present[k];
            if (o[F_KIND] == LC_INDEX && !s->present[o[F_A]]) o[F_FLAGS] |= LC_OUT_NONE;
        } else {
            if (s->present[o[F_A]]) o[F_OUT] = s->val[o[F_A]];
            else o[F_FLAGS] |= LC_OUT_NONE;
        }
        break;
    }
    bf_step(h, i, s); /* legal by construction; applies the effect */
}

/* Changes op i's observed output (the history may or may not stay linearizable). */
static void corrupt(gen *g, int i, uint8_t how) {
    int64_t *o = g->ops + i * LC_OP_FIELDS;
    if (g->model == LC_SORTEDMAP && (o[F_KIND] == LC_SCAN || o[F_KIND] == LC_SCAN_DESC)) {
        if (o[F_AUX] > 0 && (how & 1)) g->aux[o[F_OUT] + how % (2 * o[F_AUX])] ^= 1;
        else if (o[F_AUX] > 0) o[F_AUX]--;
        return;
    }
    if (g->model == LC_SORTEDMAP && o[F_KIND] == LC_SELECT && (how & 2)) { /* the pair's value */
        o[F_AUX] = (o[F_AUX] + 1 + how % 3) % 4;
        return;
    }
    if (how & 1) o[F_FLAGS] ^= LC_OUT_NONE;
    else o[F_OUT] = (o[F_OUT] + 1 + how % 3) % (g->model == LC_KV ? kv_atoms.n + 1 : 4);
}

/* The big partition: k overlapping writes of 1..k, then a read of x after all of them.
 * Linearizable iff x was written (lossy-register: or x is the initial 0, every write lost). */
static void make_big(gen *g, int idx, int k, int64_t x) {
    int64_t *ops = g->pops[idx];
    for (int j = 0; j < k; j++) {
        int64_t *o = ops + j * LC_OP_FIELDS;
        o[F_CLIENT] = j;
        o[F_CALL] = 0;
        o[F_RET] = 10 + j;
        o[F_KIND] = LC_PUT;
        o[F_A] = 1 + j;
    }
    int64_t *r = ops + k * LC_OP_FIELDS;
    r[F_CLIENT] = k;
    r[F_CALL] = 50;
    r[F_RET] = 51;
    r[F_KIND] = LC_GET;
    r[F_OUT] = x;
    g->pn[idx] = k + 1;
    g->expect[idx] = (x >= 1 && x <= k) || (x == 0 && g->model == LC_LOSSY_REGISTER);
}

/* Partition i in the callback layout (file header): i pads, the tag, its ops. */
static void make_callback_layout(gen *g, int i) {
    int64_t *c = g->cops[i];
    for (int j = 0; j < i; j++) {
        int64_t *o = c + j * LC_OP_FIELDS;
        o[F_CALL] = 1000;
        o[F_KIND] = LC_GET;
        o[F_FLAGS] = LC_PENDING;
    }
    int64_t *tag = c + i * LC_OP_FIELDS;
    tag[F_CALL] = tag[F_RET] = -10;
    tag[F_KIND] = LC_GET; /* never read by the callbacks: it only moves to state 1 + i * NV */
    memcpy(c + (i + 1) * LC_OP_FIELDS, g->pops[i], (size_t)g->pn[i] * LC_OP_FIELDS * sizeof *c);
    g->cn[i] = i + 1 + g->pn[i];
}

static void do_check(const gen *g, run *r, const char *name, int model, bool callback_layout,
                     lc_step_cb cb, const lc_options *opt) {
    memset(r, 0, sizeof *r);
    r->name = name;
    for (int i = 0; i < g->n_parts; i++) {
        r->p[i] = (lc_part){.ops = callback_layout ? g->cops[i] : g->pops[i],
                            .n_ops = callback_layout ? g->cn[i] : g->pn[i],
                            .aux = g->aux, .n_aux = g->n_aux, .lin_out = r->lin[i],
                            .lin_len = -7, .result = -99, .why = -99};
    }
    bool kv = g->model == LC_KV;
    r->v = lc_check(model, r->p, g->n_parts, kv ? g->blob : NULL, kv ? g->atom_off : NULL,
                    kv ? kv_atoms.n : 0, cb, opt, &r->first);
    check_rules(r, g->n_parts, opt);
}

/* Partition i of run x equals that of the reference run a (x in the callback layout: shifted
 * behind the tag). Stats only for the same layout: the pads and the tag add steps. */
static bool same_part(const run *a, const run *x, int i, bool callback_layout) {
    const lc_part *p = &a->p[i], *q = &x->p[i];
    if (p->result != q->result || p->why != q->why) return false;
    if (!callback_layout) {
        if (p->lin_len != q->lin_len || memcmp(p->stats, q->stats, sizeof p->stats) != 0) return false;
        return memcmp(p->lin_out, q->lin_out, (size_t)p->lin_len * sizeof *p->lin_out) == 0;
    }
    if (q->lin_len != p->lin_len + 1 || q->lin_out[0] != i) return false;
    for (int64_t k = 0; k < p->lin_len; k++)
        if (q->lin_out[k + 1] != p->lin_out[k] + i + 1) return false;
    return true;
}

static bool cancelled(const lc_part *p) {
    return p->result == LC_VERDICT_UNKNOWN && p->why == LC_WHY_CANCELLED;
}

/* Run x against the reference run a (workers 1, no stop_at_illegal, no limit): partitions up to
 * a's first illegal one identical; later ones identical, or cancelled where x stopped at the
 * first illegal one (must_cancel: all of them cancelled); same verdict and *first. */
static void compare(const gen *g, const run *a, const run *x, bool callback_layout, bool stop,
                    bool must_cancel) {
    for (int i = 0; i < g->n_parts; i++) {
        bool after = a->first >= 0 && i > a->first;
        const lc_part *q = &x->p[i];
        if (stop && after && (must_cancel || cancelled(q))) {
            if (!cancelled(q)) fail(a, x, "%s: part %d after the first illegal one not cancelled", x->name, i);
            continue;
        }
        if (!same_part(a, x, i, callback_layout))
            fail(a, x, "%s: part %d differs from the reference run %s", x->name, i, a->name);
    }
    if (x->v != a->v || x->first != a->first)
        fail(a, x, "%s: verdict %d first %" PRId64 ", reference %d first %" PRId64, x->name, x->v,
             x->first, a->v, a->first);
}

static int generated(input *in) {
    gen *g = calloc(1, sizeof *g);
    run *a = calloc(1, sizeof *a), *x = calloc(1, sizeof *x);
    if (!g || !a || !x) abort();
    current = g;
    /* the format of the one-partition target, unchanged: an input written for it (which ends
     * there: the extension reads zeros) gives the same history in one partition */
    static const int models[4] = {LC_REGISTER, LC_CAS_REGISTER, LC_KV, LC_SORTEDMAP};
    g->model = models[input_u8(in) % 4];
    int n = 1 + input_u8(in) % BF_MAX_OPS;
    for (int i = 0; i < n; i++) read_op(in, g, i);
    uint8_t c = input_u8(in);
    uint8_t how1 = (c & 1) ? input_u8(in) : 0, how2 = (c & 2) ? input_u8(in) : 0;
    /* extension: partitions, models, workers, limits */
    uint8_t e0 = input_u8(in), e1 = input_u8(in), e2 = input_u8(in);
    int n_small = 1 + (e0 & 3) % MAX_SMALL;
    if ((e0 >> 2) & 1 && g->model == LC_REGISTER) g->model = LC_LOSSY_REGISTER;
    bool reg = g->model != LC_KV && g->model != LC_SORTEDMAP;
    /* lossy-register: the brute force also branches on every write, so fewer ops per partition */
    int cap = g->model == LC_LOSSY_REGISTER ? BF_MAX_LOSSY : BF_MAX_OPS;
    if (n > cap * n_small) n = cap * n_small;
    g->has_big = reg && ((e0 >> 3) & 1);
    g->big_idx = !g->has_big ? -1 : (e0 >> 4) & 1 ? n_small : 0; /* last: cancelled while it runs */
    int32_t workers = 2 + (e1 & 3) % 3;
    int stop_e = (e1 >> 2) & 1, mem_choice = (e1 >> 3) % 4;
    cbt.dup = 1 + ((e1 >> 5) & 7) * 5;
    int extra = e2 % (cap * n_small - n + 1);
    g->n_total = n + extra;
    for (int i = n; i < g->n_total; i++) read_op(in, g, i);
    int fill[MAX_SMALL] = {0};
    for (int i = 0; i < g->n_total; i++) {
        uint8_t b = input_u8(in);
        int q = (b & 3) % n_small;
        while (fill[q] == cap) q = (q + 1) % n_small;
        fill[q]++;
        g->part_of[i] = q;
        g->lost[i] = g->model == LC_LOSSY_REGISTER && ((b >> 4) & 1);
    }
    uint8_t big = input_u8(in);
    uint16_t mem = input_u16(in);

    /* outputs: the ops in order of their points (ties by index), each on its partition's state */
    int order[MAX_TOTAL];
    for (int i = 0; i < g->n_total; i++) order[i] = i;
    for (int i = 1; i < g->n_total; i++)
        for (int j = i; j > 0 && g->point[order[j - 1]] > g->point[order[j]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    bf_hist h = {.model = g->model, .n = g->n_total, .ops = g->ops, .aux = g->aux, .atoms = &kv_atoms};
    bf_state s[MAX_SMALL];
    memset(s, 0, sizeof s);
    for (int k = 0; k < g->n_total; k++) {
        int i = order[k];
        if (g->point[i] == 1000) continue; /* a pending op that never took effect */
        gen_output(g, &h, i, &s[g->part_of[i]]);
    }
    if (c & 1) corrupt(g, (c >> 1) % g->n_total, how1);
    if (c & 2) corrupt(g, (c >> 4) % g->n_total, how2);
    if (g->model == LC_KV) kv_blob(g->blob, g->atom_off);

    /* the partitions: each small one's ops in history order, the big one first or last */
    g->n_parts = g->has_big + n_small;
    if (g->has_big) {
        int k = 6 + (big & 7) % (BIG_MAX - 5);
        make_big(g, g->big_idx, k, (big >> 3) % (k + 2));
    }
    for (int q = 0; q < n_small; q++) {
        int idx = g->big_idx == 0 ? q + 1 : q;
        for (int i = 0; i < g->n_total; i++)
            if (g->part_of[i] == q)
                memcpy(g->pops[idx] + g->pn[idx]++ * LC_OP_FIELDS, g->ops + i * LC_OP_FIELDS,
                       LC_OP_FIELDS * sizeof *g->ops);
        bf_hist ph = {.model = g->model, .n = (int)g->pn[idx], .ops = g->pops[idx], .aux = g->aux,
                      .atoms = &kv_atoms};
        g->expect[idx] = bf_linearizable(&ph);
    }

    /* A: the reference, against the oracle */
    lc_options o1 = {.workers = 1}, ow = {.workers = workers};
    do_check(g, a, "A (workers 1)", g->model, false, NULL, &o1);
    for (int i = 0; i < g->n_parts; i++) {
        const lc_part *p = &a->p[i];
        if (p->result != (g->expect[i] ? LC_VERDICT_OK : LC_VERDICT_ILLEGAL))
            fail(a, NULL, "part %d: engine %d, brute force %s", i, p->result,
                 g->expect[i] ? "linearizable" : "not linearizable");
        bf_hist ph = {.model = g->model, .n = (int)p->n_ops, .ops = p->ops, .aux = g->aux, .atoms = &kv_atoms};
        if (p->result == LC_VERDICT_OK && !bf_witness_ok(&ph, p->lin_out, p->lin_len))
            fail(a, NULL, "part %d: the engine's witness (%" PRId64 " ops) is not valid", i, p->lin_len);
        check_witness_order(a, i);
    }
#ifdef FUZZ_CHECKER_TRACE /* -DFUZZ_CHECKER_TRACE: one line per generated input (for writing seeds) */
    fprintf(stderr, "trace: model %d, %d partitions, big %d, workers %d, stop %d, memory %d, dup %d:", g->model,
            g->n_parts, g->big_idx, workers, stop_e, mem_choice, (int)cbt.dup);
    for (int i = 0; i < g->n_parts; i++)
        fprintf(stderr, " %" PRId64 " ops %s (%" PRId64 " steps)", g->pn[i], g->expect[i] ? "ok" : "illegal",
                a->p[i].stats[0]);
    fprintf(stderr, "\n");
#endif
    /* B, C, D: other worker counts, stop_at_illegal */
    do_check(g, x, "B (workers 2..4)", g->model, false, NULL, &ow);
    compare(g, a, x, false, false, false);
    lc_options o1s = {.workers = 1, .stop_at_illegal = 1}, ows = {.workers = workers, .stop_at_illegal = 1};
    do_check(g, x, "C (workers 1, stop_at_illegal)", g->model, false, NULL, &o1s);
    compare(g, a, x, false, true, true);
    do_check(g, x, "D (workers 2..4, stop_at_illegal)", g->model, false, NULL, &ows);
    compare(g, a, x, false, true, false);
    /* E: a memory limit shared by all partitions */
    if (mem_choice) {
        int64_t limit = mem_choice == 1 ? 1 + mem % 4096 : mem_choice == 2 ? 2048 + mem : 8192 * (1 + mem % 32);
        lc_options oe = {.workers = (mem >> 12) & 1 ? 1 : workers, .stop_at_illegal = stop_e, .max_memory = limit};
        do_check(g, x, "E (memory limit)", g->model, false, NULL, &oe);
        for (int i = 0; i < g->n_parts; i++) {
            const lc_part *q = &x->p[i];
            if (q->result == LC_VERDICT_UNKNOWN && (q->why == LC_WHY_MEMORY_LIMIT || q->why == LC_WHY_CANCELLED))
                continue; /* check_rules: cancelled only after an illegal one */
            if (!same_part(a, x, i, false)) fail(a, x, "E: part %d differs from the reference run", i);
        }
    }
    /* F, G, H: the register models through the callbacks */
    if (reg) {
        lc_options oc = {.workers = workers, .stop_at_illegal = stop_e};
        cbt.n = g->n_parts;
        for (int i = 0; i < g->n_parts; i++) {
            make_callback_layout(g, i);
            cbt.ops[i] = g->cops[i];
            cbt.n_ops[i] = g->cn[i];
        }
        if (g->model == LC_LOSSY_REGISTER) {
            do_check(g, x, "H (callback-sets, lossy)", LC_CALLBACK_SETS, true, cb_sets_lossy, &oc);
            compare(g, a, x, true, stop_e, false);
        } else {
            do_check(g, x, "F (callback)", LC_CALLBACK, true, cb_det, &oc);
            compare(g, a, x, true, stop_e, false);
            do_check(g, x, "G (callback-sets, deterministic)", LC_CALLBACK_SETS, true, cb_sets_det, &oc);
            compare(g, a, x, true, stop_e, false);
        }
    }
    current = NULL;
    free(g);
    free(a);
    free(x);
    return 0;
}

/* ---- raw inputs ---- */

static uint64_t raw_seed; /* raw_cb's: written before lc_check, read-only during */

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A callback that answers anything, as a pure function of (state, op): a failure, 0..3
 * successors or 17..40 (more than the engine's first buffer) or an absurd 2^31..2^62 (the engine
 * must refuse it, not overflow its buffer size), small states mostly, sometimes negative or too
 * large ones. */
static int64_t raw_cb(int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    uint64_t h = mix(raw_seed ^ mix((uint64_t)state * 0x100000001b3ULL + (uint64_t)op));
    if ((h & 63) == 0) return -2;
    if ((h & 63) == 1) return -1 - (int64_t)((h >> 6) % 1000);
    int64_t n = (int64_t)((h >> 6) & 3);
    if (((h >> 8) & 15) == 0) n = 17 + (int64_t)((h >> 12) % 24);
    if (((h >> 8) & 255) == 1) n = (int64_t)1 << (31 + (h >> 16) % 32); /* absurd: 2^31..2^62 */
    for (int64_t j = 0; j < n && j < cap; j++) {
        uint64_t y = mix(h + (uint64_t)j);
        switch ((y >> 3) % 128) {
        case 0: succ[j] = -1; break;
        case 1: succ[j] = (int64_t)UINT32_MAX; break;
        case 2: succ[j] = INT64_MAX; break;
        default: succ[j] = (int64_t)(y & 7);
        }
    }
    return n;
}

typedef struct raw_part {
    int64_t *ops, *aux, *lin;
    int64_t n, n_aux;
} raw_part;

static void read_raw_part(input *in, raw_part *rp) {
    rp->n = input_u8(in) % (RAW_MAX_OPS + 1);
    rp->n_aux = input_u8(in) % 16;
    rp->ops = calloc((size_t)(rp->n * LC_OP_FIELDS), sizeof *rp->ops); /* exact sizes: ASan sees */
    rp->aux = calloc((size_t)rp->n_aux, sizeof *rp->aux);                /* any read past them */
    rp->lin = calloc((size_t)rp->n, sizeof *rp->lin);
    for (int64_t i = 0; i < rp->n * LC_OP_FIELDS; i++) {
        uint8_t t = input_u8(in);
        rp->ops[i] = t < 200 ? (int64_t)(t % 12) - 2 : input_i64(in); /* mostly small, some wild */
    }
    for (int64_t i = 0; i < rp->n_aux; i++) rp->aux[i] = (int64_t)(input_u8(in) % 8);
}

static int raw(input *in) {
    /* the format of the one-partition target first (model, partition 0), then the extension */
    int model = input_u8(in) % 5 == 4 ? LC_KV : input_u8(in) % 4;
    raw_part rp[RAW_PARTS];
    memset(rp, 0, sizeof rp);
    read_raw_part(in, &rp[0]);
    uint8_t x0 = input_u8(in), x1 = input_u8(in), x2 = input_u8(in);
    int n_parts = 1 + (x0 & 3) % RAW_PARTS;
    static const int override[8] = {-1, LC_LOSSY_REGISTER, LC_CALLBACK, LC_CALLBACK_SETS,
                                    LC_N_MODELS, -1, LC_CAS_REGISTER, -1};
    bool bad_model = false;
    if (override[(x0 >> 2) % 8] >= 0) model = override[(x0 >> 2) % 8];
    if (model == LC_N_MODELS) {
        bad_model = true;
        model = (x0 >> 5) & 1 ? -1 : LC_N_MODELS;
    }
    static const int32_t worker_counts[8] = {1, 2, 3, 4, 0, -1, 64, 1000};
    lc_options opt = {.workers = worker_counts[x1 % 8], .stop_at_illegal = (x1 >> 3) & 1,
                      .timeout_s = (x1 >> 6) & 1 ? 1e-9 : 1.0};
    uint16_t memval = input_u16(in);
    switch ((x1 >> 4) & 3) {
    case 1: opt.max_memory = 1 + memval % 4096; break; /* tiny: below one memo chunk */
    case 2: opt.max_memory = (int64_t)memval * 16; break;
    case 3: opt.max_memory = -(int64_t)memval; break; /* <= 0: none */
    default: break;
    }
    raw_seed = input_u16(in) | (uint64_t)input_u8(in) << 16;
    for (int i = 1; i < n_parts; i++) read_raw_part(in, &rp[i]);

    lc_part parts[RAW_PARTS];
    bool forced_bad[RAW_PARTS] = {false};
    for (int i = 0; i < n_parts; i++)
        parts[i] = (lc_part){.ops = rp[i].ops, .n_ops = rp[i].n, .aux = rp[i].aux, .n_aux = rp[i].n_aux,
                             .lin_out = rp[i].lin, .lin_len = -7, .result = -99, .why = -99};
    /* invalid arguments on the last partition (x2: 1 no lin_out, 2 no ops, 4 n_ops -1,
     * 8 n_aux -1, 16 n_ops 2^40 with the short array: must be refused before any read) */
    lc_part *last = &parts[n_parts - 1];
    if ((x2 & 1) && last->n_ops > 0) last->lin_out = NULL, forced_bad[n_parts - 1] = true;
    if ((x2 & 2) && last->n_ops > 0) last->ops = NULL, forced_bad[n_parts - 1] = true;
    if (x2 & 4) last->n_ops = -1, forced_bad[n_parts - 1] = true;
    if (x2 & 8) last->n_aux = -1, forced_bad[n_parts - 1] = true;
    if (x2 & 16) last->n_ops = (int64_t)1 << 40, forced_bad[n_parts - 1] = true;
    int64_t pass_parts = (x2 & 32) ? 0 : n_parts; /* 32: no partitions at all */
    uint8_t blob[64];
    int64_t atom_off[9];
    kv_blob(blob, atom_off);
    bool no_atoms = (x2 & 64) != 0; /* 64: NULL blob and atom_off (kv: refused) */
    lc_step_cb cb = (x0 >> 6) & 1 ? NULL : raw_cb; /* callback models without one: refused */

    run *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->name = "raw";
    r->first = -5;
    r->v = lc_check(model, pass_parts ? parts : NULL, pass_parts, no_atoms ? NULL : blob,
                    no_atoms ? NULL : atom_off, kv_atoms.n, cb, &opt, &r->first);
    if (bad_model || ((model == LC_CALLBACK || model == LC_CALLBACK_SETS) && !cb && pass_parts > 0 &&
                      opt.timeout_s > 0.5)) {
        /* refused as a whole (bad model), or every partition refused (no callback; the one with
         * 2^40 ops may say LC_ETOOBIG first) */
        if (r->v != LC_EINVAL && !(r->v == LC_ETOOBIG && !bad_model)) {
            fprintf(stderr, "fuzz_checker: raw input: model %d, callback %d: lc_check returned %d, not LC_EINVAL\n",
                    model, cb != NULL, r->v);
            abort();
        }
    }
#ifdef FUZZ_CHECKER_TRACE
    fprintf(stderr, "trace: raw model %d, %d partitions, workers %d, stop %d, memory %" PRId64 ": verdict %d:", model,
            (int)pass_parts, opt.workers, opt.stop_at_illegal, opt.max_memory, r->v);
    for (int i = 0; i < pass_parts && !bad_model; i++) fprintf(stderr, " %d/%d", parts[i].result, parts[i].why);
    fprintf(stderr, "\n");
#endif
    if (!bad_model) {
        memcpy(r->p, parts, sizeof parts);
        check_rules(r, (int)pass_parts, &opt);
        for (int i = 0; i < pass_parts; i++) {
            if (forced_bad[i] && r->p[i].result >= 0 &&
                !(r->p[i].result == LC_VERDICT_UNKNOWN &&
                  (r->p[i].why == LC_WHY_CANCELLED || r->p[i].why == LC_WHY_TIMEOUT))) {
                fprintf(stderr, "fuzz_checker: raw input: part %d with invalid arguments: result %d why %d\n", i,
                        r->p[i].result, r->p[i].why);
                abort();
            }
            if (!forced_bad[i]) check_witness_order(r, i);
        }
    }
    /* no options, nowhere to write *first: refused */
    int64_t f;
    if ((x2 & 128) && (lc_check(model, parts, n_parts, blob, atom_off, kv_atoms.n, raw_cb, NULL, &f) != LC_EINVAL ||
                       lc_check(model, parts, n_parts, blob, atom_off, kv_atoms.n, raw_cb, &opt, NULL) != LC_EINVAL)) {
        fprintf(stderr, "fuzz_checker: raw input: lc_check without options or first did not return LC_EINVAL\n");
        abort();
    }
    for (int i = 0; i < RAW_PARTS; i++) {
        free(rp[i].ops);
        free(rp[i].aux);
        free(rp[i].lin);
    }
    free(r);
    return 0;
}

/* Regression (found in review): a callback claiming 2^61 successors made the engine's buffer
 * size overflow (realloc(p, 0) freed the buffer, then lc_model_free freed it again). It must be
 * refused as LC_ECALLBACK. Checked once per raw input. */
static int64_t absurd_cb(int64_t state, int64_t op, int64_t *succ, int64_t cap) {
    (void)state;
    (void)op;
    if (cap > 0) succ[0] = 0;
    return (int64_t)1 << 61;
}

static void absurd_successors(void) {
    int64_t ops[LC_OP_FIELDS] = {0}, lin[1], first = 0;
    ops[F_RET] = 1;
    ops[F_KIND] = LC_GET;
    lc_part p = {.ops = ops, .n_ops = 1, .lin_out = lin};
    lc_options o = {.workers = 1};
    int v = lc_check(LC_CALLBACK_SETS, &p, 1, NULL, NULL, 0, absurd_cb, &o, &first);
    if (v != LC_ECALLBACK) {
        fprintf(stderr, "fuzz_checker: 2^61 successors: lc_check returned %d, not LC_ECALLBACK\n", v);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size, 0};
    if (input_u8(&in) % 8 != 7) return generated(&in);
    absurd_successors();
    return raw(&in);
}
