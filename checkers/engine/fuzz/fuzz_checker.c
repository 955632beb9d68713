/* fuzz_checker.c — libFuzzer target for the linearizability checker's C engine (checkers/engine/).
 *
 * Two kinds of input, chosen by the first byte:
 *  - generated (most inputs): a history of 1..BF_MAX_OPS operations of the register,
 *    cas-register, kv or sortedmap model with small call/return times (so operations overlap),
 *    some pending. Outputs come from running the model along a random order that respects real
 *    time (so many histories are linearizable), then some outputs are corrupted (so many are
 *    not). Oracle: lc_check's verdict (no timeout) equals bruteforce.h's exhaustive answer, and
 *    when it says ok, its witness (lin_out) is a legal linearization of the whole history.
 *  - raw: arbitrary int64 fields (kinds, flags, atom ids, scan offsets and counts) with correctly
 *    sized arrays. Oracle: lc_check returns a verdict or an lc_error (LC_EINVAL for malformed
 *    input) and never crashes, reads out of bounds or leaks (ASan/LSan), within a 1 s timeout.
 * Any disagreement aborts with the history printed, which libFuzzer records as a crash.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bruteforce.h"
#include "input.h"

#define MAX_AUX 64
#define RAW_MAX_OPS 24

static const bf_atoms kv_atoms = {6, {"sa", "sb", "s", "i7", "s7", "sab"}};

typedef struct gen {
    int64_t ops[BF_MAX_OPS * LC_OP_FIELDS];
    int64_t aux[MAX_AUX];
    int64_t n_aux;
    uint8_t blob[64];
    int64_t atom_off[9];
} gen;

static void dump(const bf_hist *h, int verdict, bool bf) {
    fprintf(stderr, "fuzz_checker: model %d, %d ops: engine %d, brute force %s\n", h->model, h->n,
            verdict, bf ? "linearizable" : "not linearizable");
    for (int i = 0; i < h->n; i++) {
        const int64_t *o = bf_op(h, i);
        fprintf(stderr, "  op %d: [%" PRId64 ", %" PRId64 "] kind %" PRId64 " flags %" PRId64
                " a %" PRId64 " b %" PRId64 " c %" PRId64 " out %" PRId64 " aux %" PRId64 "\n",
                i, o[F_CALL], o[F_RET], o[F_KIND], o[F_FLAGS], o[F_A], o[F_B], o[F_C], o[F_OUT],
                o[F_AUX]);
    }
}

static void kv_blob(gen *g) {
    size_t off = 0;
    g->atom_off[0] = 0;
    for (int j = 0; j < kv_atoms.n; j++) {
        size_t n = strlen(kv_atoms.bytes[j]);
        memcpy(g->blob + off, kv_atoms.bytes[j], n);
        off += n;
        g->atom_off[j + 1] = (int64_t)off;
    }
}

/* Fills op i's kind and arguments for the model (outputs come later). */
static void gen_args(input *in, int model, int64_t *o) {
    uint8_t b = input_u8(in);
    switch (model) {
    case LC_REGISTER:
    case LC_CAS_REGISTER:
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
    default: {
        static const int kinds[4] = {LC_GET, LC_PUT, LC_DELETE, LC_SCAN};
        o[F_KIND] = kinds[b % 4];
        o[F_A] = input_u8(in) % BF_KEYS;
        o[F_B] = o[F_KIND] == LC_SCAN ? o[F_A] + input_u8(in) % (BF_KEYS + 1 - o[F_A])
                                      : input_u8(in) % 4;
        o[F_C] = (int64_t)(input_u8(in) % 5) - 1; /* scan limit: -1 (none) .. 3 */
        break;
    }
    }
}

/* Runs op o on the brute-force state to compute the output a correct system would give. */
static void gen_output(const bf_hist *h, gen *g, int i, bf_state *s) {
    int64_t *o = g->ops + i * LC_OP_FIELDS;
    o[F_FLAGS] &= LC_PENDING;
    switch (h->model) {
    case LC_REGISTER:
    case LC_CAS_REGISTER:
        if (o[F_KIND] == LC_GET) o[F_OUT] = s->reg;
        if (o[F_KIND] == LC_CAS) o[F_OUT] = s->reg == o[F_A];
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
        if (o[F_KIND] == LC_SCAN) {
            int64_t count = 0;
            o[F_OUT] = g->n_aux;
            for (int64_t k = o[F_A]; k < o[F_B]; k++) {
                if (!s->present[k] || (o[F_C] >= 0 && count >= o[F_C])) continue;
                g->aux[g->n_aux++] = k;
                g->aux[g->n_aux++] = s->val[k];
                count++;
            }
            o[F_AUX] = count;
        } else {
            if (s->present[o[F_A]]) o[F_OUT] = s->val[o[F_A]];
            else o[F_FLAGS] |= LC_OUT_NONE;
        }
        break;
    }
    bf_step(h, i, s); /* legal by construction; applies the effect */
}

/* Changes op i's observed output (the history may or may not stay linearizable). */
static void corrupt(gen *g, int model, int i, uint8_t how) {
    int64_t *o = g->ops + i * LC_OP_FIELDS;
    if (model == LC_SORTEDMAP && o[F_KIND] == LC_SCAN) {
        if (o[F_AUX] > 0 && (how & 1)) g->aux[o[F_OUT] + how % (2 * o[F_AUX])] ^= 1;
        else if (o[F_AUX] > 0) o[F_AUX]--;
        return;
    }
    if (how & 1) o[F_FLAGS] ^= LC_OUT_NONE;
    else o[F_OUT] = (o[F_OUT] + 1 + how % 3) % (model == LC_KV ? kv_atoms.n + 1 : 4);
}

static int generated(input *in) {
    gen *g = calloc(1, sizeof *g);
    if (g == NULL) return 0;
    static const int models[4] = {LC_REGISTER, LC_CAS_REGISTER, LC_KV, LC_SORTEDMAP};
    bf_hist h = {.model = models[input_u8(in) % 4], .n = 1 + input_u8(in) % BF_MAX_OPS,
                 .ops = g->ops, .aux = g->aux, .atoms = &kv_atoms};
    int64_t point[BF_MAX_OPS];
    int order[BF_MAX_OPS];
    for (int i = 0; i < h.n; i++) {
        int64_t *o = g->ops + i * LC_OP_FIELDS;
        uint8_t t = input_u8(in);
        o[F_CLIENT] = i;
        o[F_CALL] = t % 12;
        o[F_RET] = o[F_CALL] + (t >> 4) % 6;
        o[F_FLAGS] = (input_u8(in) % 8 == 0) ? LC_PENDING : 0;
        gen_args(in, h.model, o);
        /* linearization point inside [call, ret] (pending: maybe never, encoded as > 255) */
        uint8_t p = input_u8(in);
        point[i] = (o[F_FLAGS] & LC_PENDING) && (p & 1) ? 1000 : o[F_CALL] + p % (o[F_RET] - o[F_CALL] + 1);
        order[i] = i;
    }
    for (int i = 1; i < h.n; i++) /* sort by point, ties by index */
        for (int j = i; j > 0 && point[order[j - 1]] > point[order[j]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    bf_state s;
    memset(&s, 0, sizeof s);
    for (int p = 0; p < h.n; p++) {
        if (point[order[p]] == 1000) continue; /* a pending op that never took effect */
        gen_output(&h, g, order[p], &s);
    }
    uint8_t c = input_u8(in);
    if (c & 1) corrupt(g, h.model, (c >> 1) % h.n, input_u8(in));
    if (c & 2) corrupt(g, h.model, (c >> 4) % h.n, input_u8(in));
    if (h.model == LC_KV) kv_blob(g);

    int64_t lin[BF_MAX_OPS], lin_len = -1, stats[4];
    int v = lc_check(h.model, g->ops, h.n, g->aux, g->n_aux, h.model == LC_KV ? g->blob : NULL,
                     h.model == LC_KV ? g->atom_off : NULL, h.model == LC_KV ? kv_atoms.n : 0,
                     NULL, 0, lin, &lin_len, stats);
    bool bf = bf_linearizable(&h);
    if (v != (bf ? LC_VERDICT_OK : LC_VERDICT_ILLEGAL)) {
        dump(&h, v, bf);
        abort();
    }
    if (v == LC_VERDICT_OK && !bf_witness_ok(&h, lin, lin_len)) {
        dump(&h, v, bf);
        fprintf(stderr, "fuzz_checker: the engine's witness (%" PRId64 " ops) is not valid\n", lin_len);
        abort();
    }
    free(g);
    return 0;
}

static int raw(input *in) {
    int model = input_u8(in) % 5 == 4 ? LC_KV : input_u8(in) % 4; /* no callback model */
    int64_t n = input_u8(in) % (RAW_MAX_OPS + 1), n_aux = input_u8(in) % 16;
    int64_t *ops = calloc((size_t)(n * LC_OP_FIELDS + 1), sizeof *ops);
    int64_t *aux = calloc((size_t)n_aux + 1, sizeof *aux);
    int64_t *lin = calloc((size_t)n + 1, sizeof *lin);
    gen *g = calloc(1, sizeof *g);
    if (!ops || !aux || !lin || !g) abort();
    for (int64_t i = 0; i < n * LC_OP_FIELDS; i++) {
        uint8_t t = input_u8(in);
        ops[i] = t < 200 ? (int64_t)(t % 12) - 2 : input_i64(in); /* mostly small, some wild */
    }
    for (int64_t i = 0; i < n_aux; i++) aux[i] = (int64_t)(input_u8(in) % 8);
    kv_blob(g);
    int64_t lin_len = 0, stats[4];
    int v = lc_check(model, ops, n, aux, n_aux, g->blob, g->atom_off, kv_atoms.n, NULL, 1.0, lin,
                     &lin_len, stats);
    if (v > LC_VERDICT_UNKNOWN || v < LC_ETOOBIG) {
        fprintf(stderr, "fuzz_checker: raw input: lc_check returned %d\n", v);
        abort();
    }
    if (v >= 0 && (lin_len < 0 || lin_len > n)) {
        fprintf(stderr, "fuzz_checker: raw input: lin_len %" PRId64 " of %" PRId64 " ops\n", lin_len, n);
        abort();
    }
    free(ops);
    free(aux);
    free(lin);
    free(g);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size, 0};
    return input_u8(&in) % 8 == 7 ? raw(&in) : generated(&in);
}
