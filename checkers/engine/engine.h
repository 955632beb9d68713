/* engine.h — the C engine of pybskip.checkers: a linearizability checker for one history.
 *
 * The search is Wing & Gong's, with Lowe's memoisation, as Porcupine does it: the history is a list
 * of call/return entries in time order; the checker tries to linearize operations one at a time
 * (an operation may be linearized when its call entry is the first remaining one or follows only
 * other calls), backtracking when the model rejects a step, and remembers every (set of linearized
 * operations, model state) pair it has already explored so that no configuration is searched
 * twice. The search is iterative (an explicit stack), so deep histories cannot overflow the C stack.
 *
 * Models are a vtable over opaque state handles (int64). Handles are *interned*: two handles are
 * equal iff the states are equal, so a configuration is (bitset, handle) and is compared exactly.
 * Built-in models (models.c) keep states as sorted arrays of (key, value) pairs in an arena with a
 * hash table; a model written in Python supplies the same vtable through ctypes callbacks.
 *
 * Verdicts: CK_OK (linearizable), CK_ILLEGAL (not), CK_UNKNOWN (time or memory budget exhausted:
 * never a wrong verdict, only no verdict). Errors are negative.
 */
#ifndef CK_ENGINE_H
#define CK_ENGINE_H

#include <stddef.h>
#include <stdint.h>

enum { CK_OK = 0, CK_ILLEGAL = 1, CK_UNKNOWN = 2, CK_ENOMEM = -1, CK_EINVAL = -2, CK_EMODEL = -3 };

#define CK_PENDING INT64_MAX /* return time of an operation that never returned */

/* One operation, encoded for the built-in models (a Python model only reads call/ret). */
typedef struct ck_op {
    int64_t call, ret;   /* ret == CK_PENDING: pending / indeterminate (output unknown) */
    int32_t client;
    int32_t kind;        /* model-specific operation code */
    int64_t in[3];       /* model-specific inputs */
    int64_t out[2];      /* model-specific outputs */
    int32_t out_known;   /* 0: any output is accepted (pending, :info) */
    int32_t out_len;     /* scan: number of (key, value) pairs at side[out_off..] */
    int64_t out_off;
} ck_op;

/* A model: init() gives the initial state; step() returns the state after applying op `index`
 * to `state`, or -1 if the op's recorded output is impossible there, or < -1 on an error. */
typedef struct ck_model {
    void *ctx;
    int64_t (*init)(void *ctx);
    int64_t (*step)(void *ctx, int64_t state, int64_t index);
} ck_model;

typedef struct ck_result {
    int32_t verdict;           /* CK_OK / CK_ILLEGAL / CK_UNKNOWN */
    int32_t best_len;          /* length of the longest partial linearization found */
    int64_t explored;          /* configurations explored */
    int64_t *best;             /* caller-provided, room for n: op indices of that linearization */
} ck_result;

/* Checks ops[0..n) against the model. REQUIRES: call <= ret for every op. timeout_s <= 0 means
 * none; max_states bounds the memo table (0 = default 50M). Returns the verdict or an error. */
int ck_check(const ck_op *ops, size_t n, const ck_model *model, double timeout_s,
             int64_t max_states, ck_result *result);

/* Built-in models (models.c). A context is created per check over (ops, side, strings) and must
 * be freed with ck_model_free. kind: CK_MODEL_*. */
enum { CK_MODEL_REGISTER = 0, CK_MODEL_CAS_REGISTER = 1, CK_MODEL_KV = 2, CK_MODEL_SORTEDMAP = 3 };
void *ck_model_new(int kind, const ck_op *ops, size_t n, const int64_t *side,
                   const char *strings, size_t strings_len);
void ck_model_free(void *ctx);
int64_t ck_model_init(void *ctx);
int64_t ck_model_step(void *ctx, int64_t state, int64_t index);

/* One call for Python: builds the built-in model and checks. */
int ck_check_builtin(int kind, const ck_op *ops, size_t n, const int64_t *side,
                     const char *strings, size_t strings_len, double timeout_s,
                     int64_t max_states, ck_result *result);

#endif
