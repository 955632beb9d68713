/* lc.h — the linearizability checker engine: public entry point, op encoding, internal interfaces.
 *
 * The engine is a plain C11 shared library (no Python.h) that pybskip.checkers loads with ctypes.
 * Python encodes each partition of a history as a flat int64 array, LC_OP_FIELDS words per
 * operation, and calls lc_check() once for all of them; the engine checks the partitions on
 * `workers` threads and answers ok / illegal / unknown (saying which limit made it unknown).
 *
 * Invariants shared by every file of the engine:
 *  (1) Model states are small integers that are *canonical*: two states are equal exactly when
 *      their ids are equal (every store hash-conses its states), so the search compares and hashes
 *      states as integers. State 0 is always the model's initial state.
 *  (2) No function aborts, exits or prints; failures are negative lc_error codes passed upward, and
 *      every allocation is released before lc_check returns.
 *  (3) Nothing is global or static-mutable: concurrent lc_check calls from several threads are safe.
 *      Within one lc_check, each partition has its own search and model context; the workers share
 *      only the read-only inputs and one lc_budget (atomics), so partitions run in parallel.
 */
#ifndef LC_H
#define LC_H

#include <stddef.h>
#include <stdint.h>

/* The ABI version (lc_abi_version()); bumped on any change of the encoding or of the structs below.
 * Python reads every other number it needs (model ids, kinds, flags, field offsets) from
 * lc_constants(), so this is the only number both sides must agree on. */
#define LC_ABI_VERSION 4

/* Verdicts (non-negative results). */
enum lc_verdict { LC_VERDICT_OK = 0, LC_VERDICT_ILLEGAL = 1, LC_VERDICT_UNKNOWN = 2 };

/* Why a partition's verdict is unknown (lc_part.why). */
enum lc_why {
    LC_WHY_NONE = 0,
    LC_WHY_TIMEOUT = 1,      /* the shared deadline passed */
    LC_WHY_MEMORY_LIMIT = 2, /* the memo storage of all partitions together reached max_memory */
    LC_WHY_OUT_OF_MEMORY = 3, /* an allocation failed below the limit */
    LC_WHY_CANCELLED = 4     /* not needed: an earlier partition is already illegal */
};

/* Errors (negative results). User input never aborts: it yields LC_EINVAL. */
enum lc_error {
    LC_ENOMEM = -1,    /* an allocation failed (internal: reported as unknown, LC_WHY_OUT_OF_MEMORY) */
    LC_EINVAL = -2,    /* malformed encoded input: bad model, kind, atom or aux range, bad options */
    LC_ECALLBACK = -3, /* the step callback failed (Python re-raises its exception) */
    LC_ETOOBIG = -4,   /* more operations or states than the 32-bit ids can name */
    LC_ELIMIT = -5,    /* internal: the memory limit was reached (reported as LC_WHY_MEMORY_LIMIT) */
    LC_ECANCEL = -6    /* internal: the partition was cancelled (reported as LC_WHY_CANCELLED) */
};

/* The models, as an X-macro: the one table of model ids and names (lc_constants() lists it).
 *   register, cas-register, kv, sortedmap   deterministic built-ins (models.c)
 *   lossy-register   nondeterministic built-in: a write may be lost (models.c)
 *   callback         a Python Model's step through lc_step_cb, at most one successor
 *   callback-sets    a nondeterministic Python Model: any number of successors */
#define LC_MODELS(X) X(REGISTER, 0, "register") X(CAS_REGISTER, 1, "cas-register") \
    X(KV, 2, "kv") X(SORTEDMAP, 3, "sortedmap") X(CALLBACK, 4, "callback") \
    X(LOSSY_REGISTER, 5, "lossy-register") X(CALLBACK_SETS, 6, "callback-sets")
#define LC_MODEL_ENUM(name, id, text) LC_##name = id,
enum lc_model { LC_MODELS(LC_MODEL_ENUM) LC_N_MODELS };

/* Operation kinds (field F_KIND). read == get, write == put. SELECT, RANK and INDEX are the
 * sortedmap's positional reads (SkipMap.peekitem(i), bisect_left(k), index(k)); SCAN_DESC is
 * its descending scan (fields as SCAN's). */
enum lc_kind { LC_GET = 0, LC_PUT = 1, LC_CAS = 2, LC_APPEND = 3, LC_DELETE = 4, LC_SCAN = 5,
               LC_SELECT = 6, LC_RANK = 7, LC_INDEX = 8, LC_SCAN_DESC = 9, LC_N_KINDS };

/* Flags (field F_FLAGS). */
#define LC_PENDING 1  /* no return: may take effect at any time after its call, or never */
#define LC_OUT_NONE 2 /* the output is None (sortedmap: key absent; select: index out of range) */

/* Layout of one encoded operation: LC_OP_FIELDS int64 words.
 *  F_CLIENT  client id (display only)
 *  F_CALL    call time, F_RET return time (any int64 order-preserving encoding; F_RET ignored when
 *            LC_PENDING). Intervals are closed: ops with ret == other's call are concurrent.
 *  F_KIND    lc_kind; F_FLAGS LC_PENDING | LC_OUT_NONE
 *  F_A, F_B, F_C  arguments: register/kv values and keys are atom ids (0 = None); sortedmap keys and
 *            values are raw int64; cas: A = from, B = to; scan, scan_desc: A = lo, B = hi
 *            (exclusive), C = limit (<0: none);
 *            select: A = the position (negative: from the end); rank, index: A = the key
 *  F_OUT     output: atom id (register read, kv get), 1/0 (cas ok/fail), raw int64 (sortedmap:
 *            get/put/delete the value, select the key, rank/index the count of smaller keys),
 *            or, for scan and scan_desc, the offset in `aux` of its (key, value) pairs (in
 *            the order returned: scan_desc's descending)
 *  F_AUX     scan, scan_desc: the number of pairs returned; select: the value of the pair returned */
enum { F_CLIENT, F_CALL, F_RET, F_KIND, F_FLAGS, F_A, F_B, F_C, F_OUT, F_AUX, LC_OP_FIELDS };

/* Step callback of the callback models: writes the successors of `state` after op `op_index`
 * (canonical state ids >= 0) to succ[0 .. min(n, cap)) and returns n, their number (0: the step
 * is illegal; callback: n <= 1). n > cap: the engine calls again with room for n. -2: the callback
 * failed. With workers > 1 it is called from several threads at once. */
typedef int64_t (*lc_step_cb)(int64_t state, int64_t op_index, int64_t *succ, int64_t cap);

/* One partition of a history: inputs, then what lc_check writes. */
typedef struct lc_part {
    const int64_t *ops; /* n_ops * LC_OP_FIELDS words */
    int64_t n_ops;
    const int64_t *aux; /* n_aux words: scan outputs */
    int64_t n_aux;
    int64_t *lin_out;   /* room for n_ops entries */
    int64_t lin_len;    /* out: lin_out[0 .. lin_len) the witness (ok) or longest partial one */
    int64_t stats[4];   /* out: search steps, memo entries, model states, model steps */
    int32_t result;     /* out: an lc_verdict, or a negative lc_error */
    int32_t why;        /* out: an lc_why when result is LC_VERDICT_UNKNOWN */
} lc_part;

typedef struct lc_options {
    double timeout_s;        /* one deadline shared by all partitions; <= 0: none */
    int64_t max_memory;      /* bytes of memo storage, all partitions together; <= 0: none */
    int32_t workers;         /* threads checking partitions in parallel; <= 1: the calling thread */
    int32_t stop_at_illegal; /* 1: partitions after the first illegal one are cancelled */
} lc_options;

/* lc_check — decide whether each partition of a history is linearizable under `model`.
 * REQUIRES: parts[0 .. n_parts) filled in; blob/atom_off describe n_atoms atoms shared by every
 *   partition (kv: atom j in 1..n_atoms is blob[atom_off[j-1] .. atom_off[j]); atom_off has
 *   n_atoms + 1 entries), NULL otherwise; cb non-NULL for the callback models; opt non-NULL.
 * Returns the history's verdict: LC_VERDICT_ILLEGAL if some partition is illegal (*first = the
 *   lowest such index); else the lowest-index partition's error if one failed (*first = it);
 *   else LC_VERDICT_UNKNOWN if some partition is undecided (*first = the lowest); else
 *   LC_VERDICT_OK (*first = -1). Whatever the worker count, the partitions decided are decided
 *   the same way and the lowest illegal one is the same; only where a limit (time, memory)
 *   was hit can the worker count change which partitions were decided. */
int lc_check(int model, lc_part *parts, int64_t n_parts, const uint8_t *blob,
             const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb, const lc_options *opt,
             int64_t *first);

/* A short English description of an lc_error or lc_verdict code. */
const char *lc_strerror(int code);

/* LC_ABI_VERSION. */
int lc_abi_version(void);

/* Writes "NAME=value " pairs to buf (at most cap bytes, NUL-terminated when cap > 0) and returns
 * the length of the whole text (call again with more room when it is >= cap): every constant of
 * this header Python needs — "abi", "model:<name>" for each model, and LC_NAMED_CONSTANTS. */
size_t lc_constants(char *buf, size_t cap);
#define LC_NAMED_CONSTANTS(X) X(LC_GET) X(LC_PUT) X(LC_CAS) X(LC_APPEND) X(LC_DELETE) X(LC_SCAN) \
    X(LC_SELECT) X(LC_RANK) X(LC_INDEX) X(LC_SCAN_DESC) X(LC_PENDING) X(LC_OUT_NONE) X(F_CLIENT) X(F_CALL) \
    X(F_RET) X(F_KIND) X(F_FLAGS) X(F_A) X(F_B) X(F_C) X(F_OUT) X(F_AUX) X(LC_OP_FIELDS) \
    X(LC_VERDICT_OK) X(LC_VERDICT_ILLEGAL) X(LC_VERDICT_UNKNOWN) X(LC_WHY_NONE) X(LC_WHY_TIMEOUT) \
    X(LC_WHY_MEMORY_LIMIT) X(LC_WHY_OUT_OF_MEMORY) X(LC_WHY_CANCELLED)

/* ---- internal interfaces (not exported to Python) ---- */

/* 64-bit mixing (splitmix64's finaliser: a bijection with full avalanche; inline: it is on the
 * search's hot path in every file) and byte-string hashing (hash.c). Pure functions. */
static inline uint64_t lc_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}
uint64_t lc_hash_bytes(const uint8_t *p, size_t n);

/* Hash-consed byte strings (strstore.c). Id 0 is reserved for "absent"; ids are canonical. */
typedef struct lc_strstore lc_strstore;
int lc_ss_new(lc_strstore **out);
void lc_ss_free(lc_strstore *ss);
int lc_ss_intern(lc_strstore *ss, const uint8_t *p, size_t n, int64_t *id);
int lc_ss_concat(lc_strstore *ss, int64_t a, const uint8_t *tail, size_t tail_n, int64_t *id);
const uint8_t *lc_ss_bytes(const lc_strstore *ss, int64_t id, size_t *n);

/* Hash-consed immutable sorted maps int64 -> int64 (mapstore.c). Map 0 is the empty map. */
typedef struct lc_mapstore lc_mapstore;
typedef struct { int64_t k, v; } lc_pair;
int lc_ms_new(lc_mapstore **out);
void lc_ms_free(lc_mapstore *ms);
int lc_ms_get(const lc_mapstore *ms, int64_t map, int64_t k, int64_t *v);
int lc_ms_set(lc_mapstore *ms, int64_t map, int64_t k, int64_t v, int present, int64_t *out);
const lc_pair *lc_ms_pairs(const lc_mapstore *ms, int64_t map, size_t *n);
size_t lc_ms_lower_bound(const lc_mapstore *ms, int64_t map, int64_t k);
int64_t lc_ms_count(const lc_mapstore *ms);

/* Models (models.c): a step function over canonical state ids. */
typedef struct lc_model_ctx lc_model_ctx;
int lc_model_new(int model, const int64_t *ops, int64_t n_ops, const int64_t *aux, int64_t n_aux,
                 const uint8_t *blob, const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb,
                 lc_model_ctx **out);
void lc_model_free(lc_model_ctx *m);
/* 1: legal with *next set; 0: illegal; < 0: lc_error. */
int lc_model_step(lc_model_ctx *m, int64_t state, int64_t op, int64_t *next);
int64_t lc_model_states(const lc_model_ctx *m);
int64_t lc_model_steps(const lc_model_ctx *m);

/* What the workers of one lc_check share (check.c). `used` counts the bytes of memo storage of
 * every partition; `first_illegal` is the lowest index of a partition found illegal so far
 * (INT64_MAX: none). Both only change through atomics. */
typedef struct lc_budget {
    _Atomic int64_t used;
    int64_t limit; /* <= 0: no limit */
    double deadline; /* monotonic seconds; 0: none */
    _Atomic int64_t first_illegal;
    int stop_at_illegal;
} lc_budget;
/* 0 when `bytes` more fit under the limit (and are now counted), LC_ELIMIT otherwise. */
int lc_budget_take(lc_budget *b, int64_t bytes);
void lc_budget_give(lc_budget *b, int64_t bytes);
/* 0 to go on, LC_ECANCEL when partition `index` is no longer needed, 1 when the deadline passed. */
int lc_budget_stop(lc_budget *b, int64_t index);
double lc_now(void);

/* The memo (memo.c): a set of (set of linearized operations, model state), stored compactly.
 * The set is given as the search keeps it (search.c, argument 5): `cbits` over the completed
 * operations in call order with `low` the first one not in the set, `pbits` over the pending. */
typedef struct lc_memo lc_memo;
int lc_memo_new(lc_memo **out, uint32_t n_completed, const uint32_t *win_end, uint32_t n_pending,
                lc_budget *b);
void lc_memo_free(lc_memo *mm);
/* 1 if present, 0 if inserted now, < 0 an lc_error (LC_ELIMIT, LC_ENOMEM, LC_ETOOBIG). */
int lc_memo_add(lc_memo *mm, const uint64_t *cbits, uint32_t low, const uint64_t *pbits,
                int64_t state, uint64_t set_hash);
int64_t lc_memo_count(const lc_memo *mm);

/* One partition's search (search.c): fills part's outputs except result/why; returns an
 * lc_verdict or an lc_error (internal ones included). */
int lc_search(int model, lc_part *part, int64_t index, const uint8_t *blob,
              const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb, lc_budget *b);

#endif
