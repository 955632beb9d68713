/* search.c — the Wing–Gong search with Lowe's memoisation (as in Porcupine), iterative.
 *
 * Correctness argument.
 * A history is linearizable iff its operations can be totally ordered so that (a) the order
 * respects real time — if op x returned before op y was called, x comes first — and (b) applying
 * the ops in that order from the model's initial state, every step is legal (each completed op's
 * output is what the model produces). Pending ops may be placed anywhere after their call, or
 * left out.
 *
 * 1. Entries. Each op contributes a call entry and, unless pending, a return entry. Entries are
 *    sorted by time, a call before a return at equal times (closed intervals: an op that returns
 *    at t overlaps one that is called at t, so either may go first). They form a doubly linked
 *    list behind a sentinel head.
 * 2. Candidates. An op may be linearized next iff its call entry precedes, in the list of
 *    not-yet-linearized entries, every remaining return entry: otherwise some unlinearized op y
 *    returned before it was called and y would have to come first. So scanning the list from the
 *    head, the candidates are exactly the call entries met before the first return entry.
 * 3. Search. At a candidate whose step is legal we "lift" it (unlink its call and return
 *    entries), push (entry, previous state), and restart from the head. Reaching a return entry
 *    means no remaining candidate extends the current prefix: we pop the last choice, relink it
 *    and continue with the entry after it. This enumerates every real-time-respecting legal
 *    prefix in depth-first order; lifting and relinking are O(1) and exact because relinking
 *    happens in LIFO order (each unlinked entry's prev/next still name its old neighbours).
 * 4. Success. When every completed op is linearized the prefix is a witness: the remaining ops
 *    are pending; leaving them out is allowed (equivalently, they take effect after everything).
 *    With no completed op left there is no return entry left, so the scan cannot run off the end
 *    of the list before success is detected.
 * 5. Memoisation (Lowe). The future of the search from a node depends only on (set of linearized
 *    ops, model state): the candidate structure is a function of the set, the legality of steps a
 *    function of the state. So a configuration already explored can be skipped — it failed then,
 *    or we would have stopped. The memo stores each (bitset, state) reached; its hash combines a
 *    Zobrist hash of the set (xor of one random word per op, updated in O(1)) with the state id;
 *    a probe compares hash, state and every bitset word (exact equality; a collision costs time,
 *    never a wrong skip). States are canonical ids (lc.h (1)), so equal states compare equal.
 * 6. Failure. Popping with an empty stack means every legal real-time-respecting prefix has been
 *    explored without success: not linearizable.
 * 7. Timeout and resources. The clock is read every 1024 iterations; on expiry, or when memory
 *    runs out, we return UNKNOWN or an error, never ok/illegal — so a verdict is never wrong.
 * 8. No recursion: the stack is an explicit array of n entries; depth never exceeds n.
 * 9. Pending operations. (a) Order: at each node the candidates are tried in two passes, the
 *    completed calls first, then the pending ones; the set of candidates is unchanged (both passes
 *    stop at the same first return entry), only the order differs, so completeness holds — but a
 *    history whose pending ops are only occasionally needed is decided without first trying
 *    every subset of them. On backtracking the scan resumes in the pass of the popped entry.
 *    (b) Dominance: linearizing a pending op p whose step leaves the state unchanged is skipped.
 *    Sound: any continuation from (S + p, s) is also one from (S, s), because p has no return
 *    entry (it constrains no candidate) and success counts only completed ops — p can simply be
 *    left out. Pending reads are dropped before the engine for the same reason.
 * In sum: (1) candidates = call entries before the first return entry; (2) DFS over legal
 * candidates with O(1) lift/unlift; (3) success = all completed ops linearized; (4) memo on
 * (set, canonical state) with exact comparison; (5) timeout/OOM -> unknown, never a verdict.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc.h"

struct entry {
    int64_t time;
    int32_t op;
    int32_t is_ret;
};

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->is_ret != b->is_ret)
        return a->is_ret - b->is_ret; /* call first at equal times: closed intervals */
    return (a->op > b->op) - (a->op < b->op);
}

/* The memo: a set of (bitset, state). Entries live in `words` (nw words each) and `states`. */
struct memo {
    size_t nw, n, cap, tcap;
    uint64_t *words, *hashes;
    int64_t *states;
    uint32_t *table; /* entry index + 1, 0 = empty; load <= 1/2 */
};

static int memo_grow_table(struct memo *mm)
{
    size_t ncap = mm->tcap * 2;
    uint32_t *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return LC_ENOMEM;
    for (size_t e = 0; e < mm->n; e++) {
        size_t i = mm->hashes[e] & (ncap - 1);
        while (nt[i])
            i = (i + 1) & (ncap - 1);
        nt[i] = (uint32_t)(e + 1);
    }
    free(mm->table);
    mm->table = nt;
    mm->tcap = ncap;
    return 0;
}

/* 1 if (bits, state) was already present, 0 if it was inserted now, < 0 on error. */
static int memo_add(struct memo *mm, const uint64_t *bits, int64_t state, uint64_t zob)
{
    uint64_t h = lc_mix64(zob ^ lc_mix64((uint64_t)state + 0x51ed27ULL));
    size_t i = h & (mm->tcap - 1);
    for (; mm->table[i]; i = (i + 1) & (mm->tcap - 1)) {
        size_t e = mm->table[i] - 1;
        if (mm->hashes[e] == h && mm->states[e] == state &&
            memcmp(mm->words + e * mm->nw, bits, mm->nw * sizeof *bits) == 0)
            return 1;
    }
    if (mm->n >= UINT32_MAX - 1)
        return LC_ETOOBIG;
    if (mm->n == mm->cap) {
        size_t ncap = mm->cap * 2;
        uint64_t *nwds = realloc(mm->words, ncap * mm->nw * sizeof *nwds);
        if (!nwds)
            return LC_ENOMEM;
        mm->words = nwds;
        uint64_t *nh = realloc(mm->hashes, ncap * sizeof *nh);
        if (!nh)
            return LC_ENOMEM;
        mm->hashes = nh;
        int64_t *ns = realloc(mm->states, ncap * sizeof *ns);
        if (!ns)
            return LC_ENOMEM;
        mm->states = ns;
        mm->cap = ncap;
    }
    memcpy(mm->words + mm->n * mm->nw, bits, mm->nw * sizeof *bits);
    mm->hashes[mm->n] = h;
    mm->states[mm->n] = state;
    mm->table[i] = (uint32_t)(mm->n + 1);
    mm->n++;
    if (2 * mm->n > mm->tcap)
        return memo_grow_table(mm);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* All per-call working memory, released by search_free. */
struct search {
    struct entry *ents;
    int32_t *next, *prev, *match; /* list over entries 1..2n (0 = head); match: call -> return */
    int32_t *stack_ent;
    int64_t *stack_state;
    uint64_t *bits, *zobrist;
    struct memo memo;
};

static void search_free(struct search *s)
{
    free(s->ents);
    free(s->next);
    free(s->prev);
    free(s->match);
    free(s->stack_ent);
    free(s->stack_state);
    free(s->bits);
    free(s->zobrist);
    free(s->memo.words);
    free(s->memo.hashes);
    free(s->memo.states);
    free(s->memo.table);
}

static int search_alloc(struct search *s, size_t n, size_t ne)
{
    size_t nw = (n + 63) / 64 + 1;
    s->ents = calloc(ne + 1, sizeof *s->ents);
    s->next = calloc(ne + 2, sizeof *s->next);
    s->prev = calloc(ne + 2, sizeof *s->prev);
    s->match = calloc(ne + 2, sizeof *s->match);
    s->stack_ent = calloc(n + 1, sizeof *s->stack_ent);
    s->stack_state = calloc(n + 1, sizeof *s->stack_state);
    s->bits = calloc(nw, sizeof *s->bits);
    s->zobrist = calloc(n + 1, sizeof *s->zobrist);
    s->memo.nw = nw;
    s->memo.cap = 64;
    s->memo.tcap = 256;
    while (s->memo.tcap < 4 * n)
        s->memo.tcap *= 2; /* room for about 2n entries before the first growth */
    s->memo.words = malloc(s->memo.cap * nw * sizeof *s->memo.words);
    s->memo.hashes = malloc(s->memo.cap * sizeof *s->memo.hashes);
    s->memo.states = malloc(s->memo.cap * sizeof *s->memo.states);
    s->memo.table = calloc(s->memo.tcap, sizeof *s->memo.table);
    if (!s->ents || !s->next || !s->prev || !s->match || !s->stack_ent || !s->stack_state ||
        !s->bits || !s->zobrist || !s->memo.words || !s->memo.hashes || !s->memo.states ||
        !s->memo.table)
        return LC_ENOMEM;
    return 0;
}

static void lift(struct search *s, int32_t e)
{
    s->next[s->prev[e]] = s->next[e];
    s->prev[s->next[e]] = s->prev[e];
    int32_t r = s->match[e];
    if (r) {
        s->next[s->prev[r]] = s->next[r];
        s->prev[s->next[r]] = s->prev[r];
    }
}

static void unlift(struct search *s, int32_t e)
{
    int32_t r = s->match[e];
    if (r) {
        s->next[s->prev[r]] = r;
        s->prev[s->next[r]] = r;
    }
    s->next[s->prev[e]] = e;
    s->prev[s->next[e]] = e;
}

static int run(struct search *s, lc_model_ctx *m, const int64_t *ops, size_t n, size_t ne,
               double deadline, int64_t *lin_out, int64_t *lin_len, int64_t *steps)
{
    const int32_t NIL = (int32_t)ne + 1; /* the tail sentinel */
    size_t n_completed = 0, done = 0, sp = 0, best = 0, iter = 0;
    int64_t state = 0;
    uint64_t zob = 0;
    for (size_t i = 0; i < n; i++)
        n_completed += !(ops[i * LC_OP_FIELDS + F_FLAGS] & LC_PENDING);
    *lin_len = 0;
    int32_t e = s->next[0];
    int pass = 1; /* 1: completed calls, 2: pending calls (argument 9) */
    while (done < n_completed) {
        if ((++iter & 1023) == 0 && deadline > 0 && now_s() > deadline) {
            *steps = (int64_t)iter;
            return LC_VERDICT_UNKNOWN;
        }
        if (e == NIL || s->ents[e].is_ret) {
            if (pass == 1) { /* the completed candidates are exhausted: now the pending ones */
                pass = 2;
                e = s->next[0];
                continue;
            }
            if (sp == 0) {
                *steps = (int64_t)iter;
                return LC_VERDICT_ILLEGAL;
            }
            sp--;
            int32_t ce = s->stack_ent[sp];
            int32_t cop = s->ents[ce].op;
            state = s->stack_state[sp];
            zob ^= s->zobrist[cop];
            s->bits[cop >> 6] &= ~(1ULL << (cop & 63));
            done -= s->match[ce] != 0;
            unlift(s, ce);
            pass = s->match[ce] != 0 ? 1 : 2;
            e = s->next[ce];
            continue;
        }
        int32_t op = s->ents[e].op;
        int pending = s->match[e] == 0;
        if (pending != (pass == 2)) {
            e = s->next[e];
            continue;
        }
        int64_t nxt;
        int rc = lc_model_step(m, state, op, &nxt);
        if (rc < 0)
            return rc;
        if (rc && !(pending && nxt == state)) { /* a pending no-op is dominated (argument 9) */
            uint64_t nz = zob ^ s->zobrist[op];
            s->bits[op >> 6] |= 1ULL << (op & 63);
            int seen = memo_add(&s->memo, s->bits, nxt, nz);
            if (seen < 0)
                return seen;
            if (!seen) {
                s->stack_ent[sp] = e;
                s->stack_state[sp] = state;
                sp++;
                state = nxt;
                zob = nz;
                lift(s, e);
                done += !pending;
                if (sp > best) { /* record the longest partial linearization */
                    for (size_t j = 0; j < sp; j++) /* the whole stack: its prefix may differ */
                        lin_out[j] = s->ents[s->stack_ent[j]].op;
                    best = sp;
                    *lin_len = (int64_t)best;
                }
                pass = 1;
                e = s->next[0];
                continue;
            }
            s->bits[op >> 6] &= ~(1ULL << (op & 63));
        }
        e = s->next[e];
    }
    /* Success: report the witness itself as the linearization. */
    for (size_t j = 0; j < sp; j++)
        lin_out[j] = s->ents[s->stack_ent[j]].op;
    *lin_len = (int64_t)sp;
    *steps = (int64_t)iter;
    return LC_VERDICT_OK;
}

int lc_check(int model, const int64_t *ops, int64_t n_ops, const int64_t *aux, int64_t n_aux,
             const uint8_t *blob, const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb,
             double timeout_s, int64_t *lin_out, int64_t *lin_len, int64_t *stats)
{
    double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
    if (!lin_out || !lin_len || !stats || n_ops < 0 || (n_ops > 0 && !ops))
        return LC_EINVAL;
    *lin_len = 0;
    memset(stats, 0, 4 * sizeof *stats);
    if (n_ops >= INT32_MAX / 2 - 2)
        return LC_ETOOBIG;
    lc_model_ctx *m = NULL;
    int rc = lc_model_new(model, ops, n_ops, aux, n_aux, blob, atom_off, n_atoms, cb, &m);
    if (rc < 0)
        return rc;
    size_t n = (size_t)n_ops, ne = 0;
    struct search s;
    memset(&s, 0, sizeof s);
    rc = search_alloc(&s, n, 2 * n);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            const int64_t *o = ops + i * LC_OP_FIELDS;
            s.ents[ne++] = (struct entry){o[F_CALL], (int32_t)i, 0};
            if (!(o[F_FLAGS] & LC_PENDING)) {
                if (o[F_RET] < o[F_CALL]) {
                    rc = LC_EINVAL;
                    break;
                }
                s.ents[ne++] = (struct entry){o[F_RET], (int32_t)i, 1};
            }
        }
    }
    if (rc == 0) {
        /* Entries are 1-based in the list; ents[0..ne) sorted, entry k lives at list index k+1. */
        qsort(s.ents, ne, sizeof *s.ents, cmp_entry);
        memmove(s.ents + 1, s.ents, ne * sizeof *s.ents);
        int32_t *call_of = s.stack_ent; /* scratch: op -> its call entry index */
        for (size_t k = 1; k <= ne; k++) {
            s.next[k - 1] = (int32_t)k;
            s.prev[k] = (int32_t)(k - 1);
            if (!s.ents[k].is_ret)
                call_of[s.ents[k].op] = (int32_t)k;
            else
                s.match[call_of[s.ents[k].op]] = (int32_t)k;
        }
        s.next[ne] = (int32_t)ne + 1;
        s.prev[ne + 1] = (int32_t)ne;
        uint64_t z = 0x2545f4914f6cdd1dULL;
        for (size_t i = 0; i < n; i++) {
            z += 0x9e3779b97f4a7c15ULL;
            s.zobrist[i] = lc_mix64(z);
        }
        rc = run(&s, m, ops, n, ne, deadline, lin_out, lin_len, &stats[0]);
    }
    stats[1] = (int64_t)s.memo.n;
    stats[2] = lc_model_states(m);
    stats[3] = lc_model_steps(m);
    search_free(&s);
    lc_model_free(m);
    return rc;
}

int lc_abi_version(void) { return 1; }

const char *lc_strerror(int code)
{
    switch (code) {
    case LC_VERDICT_OK: return "linearizable";
    case LC_VERDICT_ILLEGAL: return "not linearizable";
    case LC_VERDICT_UNKNOWN: return "unknown (timed out)";
    case LC_ENOMEM: return "out of memory";
    case LC_EINVAL: return "invalid encoded history";
    case LC_ECALLBACK: return "the model's step callback failed";
    case LC_ETOOBIG: return "history or state space too large";
    default: return "unknown error code";
    }
}
