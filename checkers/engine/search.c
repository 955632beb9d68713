/* search.c — ck_check: the Wing–Gong/Lowe linearizability search with memoisation.
 *
 * Correctness argument. A history is linearizable iff its operations can be ordered so that
 * (i) the order respects real time — an operation that returned before another was called comes
 * first — and (ii) replaying them in that order through the sequential model reproduces every
 * recorded output. The search walks the call/return entries in time order (calls before returns
 * at equal times: intervals are closed, so operations that touch at a single instant are
 * concurrent). At any point the candidates for the next linearized operation are exactly the calls
 * that precede the first remaining return entry: any of them could take effect before the
 * operation of that return completes, and no other can without violating (i). Linearizing one
 * ("lifting" its call and return out of the list) is tried only if the model accepts its output;
 * reaching a return entry whose operation was not linearized means the current prefix cannot be
 * extended, so the search backtracks. Every order satisfying (i) is reachable this way, so
 * exhausting the search proves non-linearizability, and reaching an empty list exhibits a
 * linearization. Memoisation is sound because the future of the search depends only on the set of
 * linearized operations (which fixes the remaining list) and the model state: a configuration
 * seen before has already been fully explored (or is being explored on the current path, which a
 * revisit could only repeat). Pending operations (no return) get their return entry at the end
 * with an unknown output: linearizing one at the very end is the same as it never taking effect,
 * since nothing observes the state afterwards.
 *
 * Invariants: the stack holds exactly the lifted entries, in order; `linearized` has exactly
 * their bits set and `zob` is the XOR of their Zobrist codes; every configuration in the memo
 * table was entered at most once.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

typedef struct entry {
    int64_t time;
    int32_t id;
    int32_t is_call;
    struct entry *prev, *next, *match;
} entry;

typedef struct frame {
    entry *e;
    int64_t state;
} frame;

/* memo table: open addressing over slots holding an index into the bitset arena */
typedef struct memo {
    size_t words;         /* uint64 words per bitset */
    uint64_t *bits;       /* arena: count * words */
    int64_t *states;
    uint64_t *hashes;
    size_t count, capacity;
    int64_t *slots;       /* -1 empty, else index */
    size_t nslots;
} memo;

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static int memo_grow_slots(memo *t) {
    size_t ns = t->nslots ? t->nslots * 2 : 1024;
    int64_t *slots = malloc(ns * sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < ns; i++) slots[i] = -1;
    for (size_t i = 0; i < t->count; i++) {
        size_t s = t->hashes[i] & (ns - 1);
        while (slots[s] >= 0) s = (s + 1) & (ns - 1);
        slots[s] = (int64_t)i;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

/* Inserts (bits, state) if absent. Returns 1 inserted, 0 present, -1 out of memory. */
static int memo_insert(memo *t, const uint64_t *bits, int64_t state, uint64_t hash) {
    if ((t->count + 1) * 2 > t->nslots && memo_grow_slots(t) != 0) return -1;
    size_t s = hash & (t->nslots - 1);
    while (t->slots[s] >= 0) {
        size_t i = (size_t)t->slots[s];
        if (t->hashes[i] == hash && t->states[i] == state &&
            memcmp(t->bits + i * t->words, bits, t->words * sizeof *bits) == 0)
            return 0;
        s = (s + 1) & (t->nslots - 1);
    }
    if (t->count == t->capacity) {
        size_t cap = t->capacity ? t->capacity * 2 : 1024;
        uint64_t *nb = realloc(t->bits, cap * t->words * sizeof *nb);
        if (nb == NULL) return -1;
        t->bits = nb;
        int64_t *st = realloc(t->states, cap * sizeof *st);
        if (st == NULL) return -1;
        t->states = st;
        uint64_t *hs = realloc(t->hashes, cap * sizeof *hs);
        if (hs == NULL) return -1;
        t->hashes = hs;
        t->capacity = cap;
    }
    memcpy(t->bits + t->count * t->words, bits, t->words * sizeof *bits);
    t->states[t->count] = state;
    t->hashes[t->count] = hash;
    t->slots[s] = (int64_t)t->count++;
    return 1;
}

static void memo_free(memo *t) {
    free(t->bits);
    free(t->states);
    free(t->hashes);
    free(t->slots);
}

static int by_time(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    if (x->is_call != y->is_call) return x->is_call ? -1 : 1; /* closed intervals */
    return (x->id > y->id) - (x->id < y->id);
}

static void lift(entry *e) {
    e->prev->next = e->next;
    e->next->prev = e->prev; /* a call is always followed by at least its return */
    entry *m = e->match;
    m->prev->next = m->next;
    if (m->next != NULL) m->next->prev = m->prev;
}

static void unlift(entry *e) {
    entry *m = e->match;
    m->prev->next = m;
    if (m->next != NULL) m->next->prev = m;
    e->prev->next = e;
    e->next->prev = e;
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ck_check(const ck_op *ops, size_t n, const ck_model *model, double timeout_s,
             int64_t max_states, ck_result *result) {
    if (model == NULL || result == NULL || (n > 0 && ops == NULL)) return CK_EINVAL;
    result->best_len = 0;
    result->explored = 0;
    if (n == 0) return result->verdict = CK_OK;
    if (max_states <= 0) max_states = 50000000;
    for (size_t i = 0; i < n; i++)
        if (ops[i].ret < ops[i].call) return CK_EINVAL;

    entry *entries = malloc((2 * n + 1) * sizeof *entries);
    frame *stack = malloc(n * sizeof *stack);
    size_t words = (n + 63) / 64;
    uint64_t *linearized = calloc(words, sizeof *linearized);
    uint64_t *zobrist = malloc(n * sizeof *zobrist);
    memo table = {.words = words};
    int rc = CK_ENOMEM;
    if (entries == NULL || stack == NULL || linearized == NULL || zobrist == NULL) goto out;

    entry *list = entries + 2 * n; /* head sentinel */
    for (size_t i = 0; i < n; i++) {
        entries[2 * i] = (entry){ops[i].call, (int32_t)i, 1, NULL, NULL, NULL};
        entries[2 * i + 1] = (entry){ops[i].ret, (int32_t)i, 0, NULL, NULL, NULL};
        zobrist[i] = mix64(0x9e3779b97f4a7c15ull * (i + 1));
    }
    qsort(entries, 2 * n, sizeof *entries, by_time);
    entry **call_of = malloc(n * sizeof *call_of), **ret_of = malloc(n * sizeof *ret_of);
    if (call_of == NULL || ret_of == NULL) {
        free(call_of);
        free(ret_of);
        goto out;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        if (entries[i].is_call) call_of[entries[i].id] = &entries[i];
        else ret_of[entries[i].id] = &entries[i];
    }
    for (size_t i = 0; i < n; i++) call_of[i]->match = ret_of[i];
    free(call_of);
    free(ret_of);
    *list = (entry){0, -1, 0, NULL, &entries[0], NULL};
    for (size_t i = 0; i < 2 * n; i++) {
        entries[i].prev = i == 0 ? list : &entries[i - 1];
        entries[i].next = i + 1 < 2 * n ? &entries[i + 1] : NULL;
    }

    double deadline = timeout_s > 0 ? seconds_now() + timeout_s : 0;
    int64_t state = model->init(model->ctx);
    if (state < 0) {
        rc = CK_EMODEL;
        goto out;
    }
    size_t depth = 0;
    uint64_t zob = 0;
    uint64_t iterations = 0;
    entry *e = list->next;
    rc = CK_OK;
    while (list->next != NULL) {
        if ((++iterations & 4095) == 0 && deadline > 0 && seconds_now() > deadline) {
            rc = CK_UNKNOWN;
            break;
        }
        if (e->is_call) {
            int64_t next = model->step(model->ctx, state, e->id);
            if (next < -1) {
                rc = CK_EMODEL;
                break;
            }
            if (next >= 0) {
                linearized[e->id / 64] |= 1ull << (e->id % 64);
                uint64_t h = mix64((zob ^ zobrist[e->id]) + 0x632be59bd9b4e019ull * (uint64_t)next);
                int ins = memo_insert(&table, linearized, next, h);
                if (ins < 0) {
                    rc = CK_ENOMEM;
                    break;
                }
                if (ins == 1) {
                    result->explored++;
                    if ((int64_t)table.count > max_states) {
                        rc = CK_UNKNOWN;
                        break;
                    }
                    stack[depth++] = (frame){e, state};
                    zob ^= zobrist[e->id];
                    state = next;
                    lift(e);
                    if ((int32_t)depth > result->best_len) {
                        result->best_len = (int32_t)depth;
                        if (result->best != NULL)
                            for (size_t j = 0; j < depth; j++) result->best[j] = stack[j].e->id;
                    }
                    e = list->next;
                    continue;
                }
                linearized[e->id / 64] &= ~(1ull << (e->id % 64));
            }
            e = e->next;
        } else {
            if (depth == 0) {
                rc = CK_ILLEGAL;
                break;
            }
            frame f = stack[--depth];
            e = f.e;
            state = f.state;
            zob ^= zobrist[e->id];
            linearized[e->id / 64] &= ~(1ull << (e->id % 64));
            unlift(e);
            e = e->next;
        }
    }
out:
    if (rc >= 0) result->verdict = rc;
    memo_free(&table);
    free(entries);
    free(stack);
    free(linearized);
    free(zobrist);
    return rc;
}
