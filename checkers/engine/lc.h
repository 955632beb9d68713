/* lc.h — the linearizability checker engine: public entry point, op encoding, internal interfaces.
 *
 * The engine is a plain C11 shared library (no Python.h) that pybskip.checkers loads with ctypes.
 * Python encodes one partition of a history as a flat int64 array, LC_OP_FIELDS words per
 * operation, and calls lc_check(); the engine answers ok / illegal / unknown.
 *
 * Invariants shared by every file of the engine:
 *  (1) Model states are small integers that are *canonical*: two states are equal exactly when
 *      their ids are equal (every store hash-conses its states), so the search compares and hashes
 *      states as integers. State 0 is always the model's initial state.
 *  (2) No function aborts, exits or prints; failures are negative lc_error codes passed upward, and
 *      every allocation is released before lc_check returns.
 *  (3) Nothing is global or static-mutable: concurrent lc_check calls from several threads are safe.
 */
#ifndef LC_H
#define LC_H

#include <stddef.h>
#include <stdint.h>

/* Verdicts (lc_check's non-negative results). */
enum lc_verdict { LC_VERDICT_OK = 0, LC_VERDICT_ILLEGAL = 1, LC_VERDICT_UNKNOWN = 2 };

/* Errors (negative results). User input never aborts: it yields LC_EINVAL. */
enum lc_error {
    LC_ENOMEM = -1,    /* an allocation failed (Python reports the verdict as unknown) */
    LC_EINVAL = -2,    /* malformed encoded input: bad model, kind, atom or aux range */
    LC_ECALLBACK = -3, /* the Python step callback raised (Python re-raises its exception) */
    LC_ETOOBIG = -4    /* more operations or states than the 32-bit ids can name */
};

/* Built-in models and the callback model (a Python Model's step reached through a callback). */
enum lc_model { LC_REGISTER = 0, LC_CAS_REGISTER = 1, LC_KV = 2, LC_SORTEDMAP = 3, LC_CALLBACK = 4 };

/* Operation kinds (field F_KIND). read == get, write == put. */
enum lc_kind { LC_GET = 0, LC_PUT = 1, LC_CAS = 2, LC_APPEND = 3, LC_DELETE = 4, LC_SCAN = 5 };

/* Flags (field F_FLAGS). */
#define LC_PENDING 1  /* no return: may take effect at any time after its call, or never */
#define LC_OUT_NONE 2 /* the output is None (sortedmap: key absent) */

/* Layout of one encoded operation: LC_OP_FIELDS int64 words.
 *  F_CLIENT  client id (display only)
 *  F_CALL    call time, F_RET return time (any int64 order-preserving encoding; F_RET ignored when
 *            LC_PENDING). Intervals are closed: ops with ret == other's call are concurrent.
 *  F_KIND    lc_kind; F_FLAGS LC_PENDING | LC_OUT_NONE
 *  F_A, F_B, F_C  arguments: register/kv values and keys are atom ids (0 = None); sortedmap keys and
 *            values are raw int64; cas: A = from, B = to; scan: A = lo, B = hi, C = limit (<0: none)
 *  F_OUT     output: atom id (register read, kv get), 1/0 (cas ok/fail), raw int64 (sortedmap),
 *            or, for scan, the offset in `aux` of its (key, value) pairs
 *  F_AUX     scan: the number of pairs returned */
enum { F_CLIENT, F_CALL, F_RET, F_KIND, F_FLAGS, F_A, F_B, F_C, F_OUT, F_AUX, LC_OP_FIELDS };

/* Step callback of the callback model: the successor of `state` after op `op_index`, as a
 * canonical state id >= 0; -1 when the step is illegal; -2 when the callback failed. */
typedef int64_t (*lc_step_cb)(int64_t state, int64_t op_index);

/* lc_check — decide whether the encoded history is linearizable under `model`.
 * REQUIRES: ops holds n_ops * LC_OP_FIELDS words; aux holds n_aux words (scan outputs);
 *   blob/atom_off describe n_atoms atoms for the kv model (atom j in 1..n_atoms is the byte string
 *   blob[atom_off[j-1] .. atom_off[j]) — atom_off has n_atoms + 1 entries), NULL otherwise;
 *   cb is non-NULL for LC_CALLBACK; lin_out has room for n_ops entries; stats has 4 entries.
 * Returns an lc_verdict, or a negative lc_error. timeout_s <= 0 means no timeout.
 * On return lin_out[0 .. *lin_len) is the longest partial linearization found (op indices in
 * linearization order); stats = {search steps, memo entries, model states, model steps}. */
int lc_check(int model, const int64_t *ops, int64_t n_ops, const int64_t *aux, int64_t n_aux,
             const uint8_t *blob, const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb,
             double timeout_s, int64_t *lin_out, int64_t *lin_len, int64_t *stats);

/* A short English description of an lc_error or lc_verdict code. */
const char *lc_strerror(int code);

/* The ABI version Python checks before calling (bumped on any change of the encoding). */
int lc_abi_version(void);

/* ---- internal interfaces (not exported to Python) ---- */

/* 64-bit mixing (splitmix64 finaliser) and byte-string hashing. */
uint64_t lc_mix64(uint64_t x);
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

#endif
