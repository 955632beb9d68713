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
 *    or we would have stopped. The memo (memo.c) stores each (set, state) reached; its hash
 *    combines a Zobrist hash of the set (xor of one random word per op, updated in O(1)) with the
 *    state id; a probe compares hash, state and the set exactly (a collision costs time, never a
 *    wrong skip). States are canonical ids (lc.h (1)), so equal states compare equal. The set is
 *    kept as `cbits` over the completed ops numbered in call order, `low` (the first completed op
 *    not linearized, maintained on every lift and unlift) and `pbits` over the pending ops;
 *    memo.c stores only the words between `low` and the end of its window (its argument), so
 *    an entry costs O(overlap) words, not O(n).
 * 6. Failure. Popping with an empty stack means every legal real-time-respecting prefix has been
 *    explored without success: not linearizable.
 * 7. Timeout and resources. The clock (and whether an earlier partition is already illegal:
 *    cancellation) is read every 1024 iterations; on expiry, cancellation, the memory limit or a
 *    failed allocation we return UNKNOWN (saying which) or an error, never ok/illegal — so a
 *    verdict is never wrong.
 * 8. No recursion: the stack is an explicit array of n entries; depth never exceeds n.
 *    The longest partial linearization (reported for an illegal history) is the stack at its
 *    deepest; it is copied incrementally: lin_out[0 .. keep) still equals the stack below `keep`,
 *    the lowest depth popped since the last copy, so a new maximum copies stack[keep .. sp) only
 *    and the copying costs O(steps) in all (copying the whole stack was quadratic).
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
 * (set, canonical state) with exact comparison; (5) timeout/limits -> unknown, never a verdict.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdlib.h>
#include <string.h>

#include "lc.h"

struct entry {
    int64_t time;
    int32_t op;
    uint32_t is_ret : 1, pending : 1, slot : 30; /* slot: the op's number (see struct search) */
};

static int cmp_entry(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->is_ret != b->is_ret)
        return (int)a->is_ret - (int)b->is_ret; /* call first at equal times: closed intervals */
    return (a->op > b->op) - (a->op < b->op);
}

/* All per-partition working memory, released by search_free. */
struct search {
    struct entry *ents;
    int32_t *next, *prev, *match; /* list over entries 1..2n (0 = head); match: call -> return */
    int32_t *stack_ent;
    int64_t *stack_state;
    uint32_t *win_end;  /* completed c -> completed calls before c's return (memo.c); [nc] = nc */
    uint64_t *cbits, *pbits, *zobrist;
    uint32_t nc, np; /* a call entry's slot: its op's number among the completed ops (in call
                      * order: cbits, win_end) or among the pending ops (pbits) */
    lc_memo *memo;
};

static void search_free(struct search *s)
{
    free(s->ents);
    free(s->next);
    free(s->prev);
    free(s->match);
    free(s->stack_ent);
    free(s->stack_state);
    free(s->win_end);
    free(s->cbits);
    free(s->pbits);
    free(s->zobrist);
    lc_memo_free(s->memo);
}

static int search_alloc(struct search *s, size_t n, size_t ne)
{
    s->ents = calloc(ne + 1, sizeof *s->ents);
    s->next = calloc(ne + 2, sizeof *s->next);
    s->prev = calloc(ne + 2, sizeof *s->prev);
    s->match = calloc(ne + 2, sizeof *s->match);
    s->stack_ent = calloc(n + 1, sizeof *s->stack_ent);
    s->stack_state = calloc(n + 1, sizeof *s->stack_state);
    s->win_end = calloc(n + 1, sizeof *s->win_end);
    s->cbits = calloc(n / 64 + 2, sizeof *s->cbits);
    s->pbits = calloc(n / 64 + 2, sizeof *s->pbits);
    s->zobrist = calloc(n + 1, sizeof *s->zobrist);
    if (!s->ents || !s->next || !s->prev || !s->match || !s->stack_ent || !s->stack_state ||
        !s->win_end || !s->cbits || !s->pbits || !s->zobrist)
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

/* The first completed op at or after `low` not in cbits (nc when there is none). */
static uint32_t next_low(const uint64_t *cbits, uint32_t low, uint32_t nc)
{
    size_t w = low >> 6;
    uint64_t x = ~cbits[w] & (~0ULL << (low & 63));
    while (!x) {
        if (++w * 64 >= nc)
            return nc;
        x = ~cbits[w];
    }
    uint32_t r = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x));
    return r < nc ? r : nc;
}

/* Flips the bit of call entry e's op in the set (completed or pending, by the entry). */
static inline void toggle(struct search *s, const struct entry *en)
{
    uint64_t *bits = en->pending ? s->pbits : s->cbits;
    bits[en->slot >> 6] ^= 1ULL << (en->slot & 63);
}

static int run(struct search *s, lc_model_ctx *m, size_t ne, lc_budget *b, int64_t index,
               lc_part *part)
{
    const int32_t NIL = (int32_t)ne + 1; /* the tail sentinel */
    const uint32_t nc = s->nc;
    size_t done = 0, sp = 0, best = 0, keep = 0, iter = 0;
    uint32_t low = 0;
    int64_t state = 0;
    uint64_t zob = 0;
    int64_t *lin_out = part->lin_out;
    part->lin_len = 0;
    int32_t e = s->next[0];
    int pass = 1; /* 1: completed calls, 2: pending calls (argument 9) */
    while (done < nc) {
        if ((++iter & 1023) == 0) {
            int stop = lc_budget_stop(b, index);
            if (stop) {
                part->stats[0] = (int64_t)iter;
                return stop < 0 ? stop : LC_VERDICT_UNKNOWN;
            }
        }
        if (e == NIL || s->ents[e].is_ret) {
            if (pass == 1) { /* the completed candidates are exhausted: now the pending ones */
                pass = 2;
                e = s->next[0];
                continue;
            }
            if (sp == 0) {
                part->stats[0] = (int64_t)iter;
                return LC_VERDICT_ILLEGAL;
            }
            sp--;
            if (sp < keep)
                keep = sp;
            int32_t ce = s->stack_ent[sp];
            const struct entry *cen = &s->ents[ce];
            state = s->stack_state[sp];
            zob ^= s->zobrist[cen->op];
            toggle(s, cen);
            if (!cen->pending) {
                done--;
                if (cen->slot < low)
                    low = cen->slot;
            }
            unlift(s, ce);
            pass = cen->pending ? 2 : 1;
            e = s->next[ce];
            continue;
        }
        const struct entry *en = &s->ents[e];
        int32_t op = en->op;
        int pending = en->pending;
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
            toggle(s, en);
            uint32_t nlow = low;
            if (!pending && en->slot == low)
                nlow = next_low(s->cbits, low, nc);
            int seen = lc_memo_add(s->memo, s->cbits, nlow, s->pbits, nxt, nz);
            if (seen < 0)
                return seen;
            if (!seen) {
                s->stack_ent[sp] = e;
                s->stack_state[sp] = state;
                sp++;
                state = nxt;
                zob = nz;
                low = nlow;
                lift(s, e);
                done += !pending;
                if (sp > best) { /* the longest partial linearization, copied from `keep` on */
                    for (size_t j = keep; j < sp; j++)
                        lin_out[j] = s->ents[s->stack_ent[j]].op;
                    keep = best = sp;
                    part->lin_len = (int64_t)best;
                }
                pass = 1;
                e = s->next[0];
                continue;
            }
            toggle(s, en);
        }
        e = s->next[e];
    }
    /* Success: report the witness itself as the linearization. */
    for (size_t j = keep; j < sp; j++)
        lin_out[j] = s->ents[s->stack_ent[j]].op;
    part->lin_len = (int64_t)sp;
    part->stats[0] = (int64_t)iter;
    return LC_VERDICT_OK;
}

/* Sorts the entries, links them, numbers the ops and computes the memo windows. */
static int prepare(struct search *s, const int64_t *ops, size_t n, size_t *ne_out)
{
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        const int64_t *o = ops + i * LC_OP_FIELDS;
        s->ents[ne++] = (struct entry){o[F_CALL], (int32_t)i, 0, 0, 0};
        if (!(o[F_FLAGS] & LC_PENDING)) {
            if (o[F_RET] < o[F_CALL])
                return LC_EINVAL;
            s->ents[ne++] = (struct entry){o[F_RET], (int32_t)i, 1, 0, 0};
        }
    }
    /* Entries are 1-based in the list; ents[0..ne) sorted, entry k lives at list index k+1. */
    qsort(s->ents, ne, sizeof *s->ents, cmp_entry);
    memmove(s->ents + 1, s->ents, ne * sizeof *s->ents);
    int32_t *call_of = s->stack_ent; /* scratch: op -> its call entry index */
    uint32_t nc = 0, np = 0;
    for (size_t k = 1; k <= ne; k++) {
        s->next[k - 1] = (int32_t)k;
        s->prev[k] = (int32_t)(k - 1);
        int32_t op = s->ents[k].op;
        if (!s->ents[k].is_ret) {
            call_of[op] = (int32_t)k;
            const int64_t *o = ops + (size_t)op * LC_OP_FIELDS;
            s->ents[k].pending = (o[F_FLAGS] & LC_PENDING) != 0;
            s->ents[k].slot = s->ents[k].pending ? np++ : nc++;
        } else {
            s->match[call_of[op]] = (int32_t)k;
            s->win_end[s->ents[call_of[op]].slot] = nc; /* completed calls before this return */
        }
    }
    s->win_end[nc] = nc;
    s->next[ne] = (int32_t)ne + 1;
    s->prev[ne + 1] = (int32_t)ne;
    s->nc = nc;
    s->np = np;
    uint64_t z = 0x2545f4914f6cdd1dULL;
    for (size_t i = 0; i < n; i++) {
        z += 0x9e3779b97f4a7c15ULL;
        s->zobrist[i] = lc_mix64(z);
    }
    *ne_out = ne;
    return 0;
}

int lc_search(int model, lc_part *part, int64_t index, const uint8_t *blob,
              const int64_t *atom_off, int64_t n_atoms, lc_step_cb cb, lc_budget *b)
{
    part->lin_len = 0;
    memset(part->stats, 0, sizeof part->stats);
    if (part->n_ops < 0 || (part->n_ops > 0 && (!part->ops || !part->lin_out)) || part->n_aux < 0)
        return LC_EINVAL;
    if (part->n_ops >= INT32_MAX / 2 - 2)
        return LC_ETOOBIG;
    lc_model_ctx *m = NULL;
    int rc = lc_model_new(model, part->ops, part->n_ops, part->aux, part->n_aux, blob, atom_off,
                          n_atoms, cb, &m);
    if (rc < 0)
        return rc;
    size_t n = (size_t)part->n_ops, ne = 0;
    struct search s;
    memset(&s, 0, sizeof s);
    rc = search_alloc(&s, n, 2 * n);
    if (rc == 0)
        rc = prepare(&s, part->ops, n, &ne);
    if (rc == 0)
        rc = lc_memo_new(&s.memo, s.nc, s.win_end, s.np, b);
    if (rc == 0)
        rc = run(&s, m, ne, b, index, part);
    part->stats[1] = lc_memo_count(s.memo);
    part->stats[2] = lc_model_states(m);
    part->stats[3] = lc_model_steps(m);
    search_free(&s);
    lc_model_free(m);
    return rc;
}
