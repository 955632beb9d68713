"""model.py — the top-down locking protocol of core_c as a transition system over State.

One transition = one step of the C code that another thread could observe: a lock request, a
grant, a release, or a change of shared pointers made under the write lock that guards them
(core_c/src/get.c, insert.c, delete.c, scan.c). Keys are abstracted away: where the code decides
by comparing keys (move right? which child? is k here? does the node overflow?) the model chooses
nondeterministically among the moves the shape allows, so it has every behaviour of the code and
more. Two facts that follow from the data invariants are kept as guards (documented in README.md,
"Assumptions"): a node whose first key is k has no parent entry once k is gone from the level
above (delete's unlink; insert's "k already on this level" at k's old top level).

Locks are core_c's node locks (core_c/src/rwlock.h), writer-preferring like glibc's
PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP rwlocks they replaced: a read
request waits while the node is write-held or another thread waits for it in write mode; a write
request waits while any other thread holds it. Creating a node (locking it before it is linked)
is an acquisition that never waits.

Global lock order: a < b iff level(a) > level(b), or same level and pos(a) < pos(b); pos is a
node's place in its level's list (heads leftmost). Nodes are created between two neighbours, so
pos never has to change.

Variants (broken on purpose) switch single steps. Refuted by a reachable bad state in a scene
(variants.py): "upgrade", "bottom_up", "left", "parent_early", "scan_rtl". Refuted by a concrete
counterexample to induction (mutants.py): "free_named" (unlink and free N while a parent entry
still names it), "down_any" (descend to any node one level below, not a child of the held node),
"split_left" (a split's new node placed left of the node it splits), "scan_couple" (a scan that
releases each level-0 node as it takes the next: lock coupling instead of two-phase),
"delete_clamp" (a delete pass may start at any head, one below its write level lowering it: the
model before rule (5) was written into it), "reserve_short" (an insert reserves 2h-2 spare nodes,
one fewer than its worst case), "drop_last_child" (a delete removes an entry inside a node even
when it is the node's only entry with a down pointer) and
"drop_one_left" (the proof's invariant without its "one left neighbour" conjunct; the model is
the real one). Invariant: with variant None the transitions are exactly the protocol of core_c as
described in spec/README.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import z3

from .state import State
from .universe import (ALIVE, DELETE, FREED, GET, NONE, PC, PUT, RD, SCAN, UNBORN, WR, Choices,
                       Op, Universe)

Step = Tuple[z3.BoolRef, State]

VARIANTS = ("upgrade", "bottom_up", "left", "parent_early", "scan_rtl", "free_named", "down_any",
            "split_left", "scan_couple", "drop_one_left", "delete_clamp", "reserve_short",
            "drop_last_child")


@dataclass(frozen=True)
class Transition:
    """A named protocol step of thread t: fn(model, state, t, choices) -> (guard, next state)."""
    name: str
    fn: Callable[["Model", State, z3.ExprRef, Choices], Step]
    acquires: bool = False  # creates a node (an acquisition that cannot wait)


class Model:
    """Static symbols (levels, positions, heads, each thread's operation) and the transitions.

    :param u: the universe (bounded or not).
    :param variant: None for the protocol of core_c, or one of VARIANTS.
    :param statics: concrete lvl/pos/ishead/op (bounded scenes); uninterpreted when absent.
    """

    def __init__(self, u: Universe, variant: Optional[str] = None,
                 statics: Optional[Dict[str, Callable[[z3.ExprRef], z3.ExprRef]]] = None) -> None:
        assert variant is None or variant in VARIANTS, variant
        self.u, self.variant = u, variant
        st = statics or {}
        self.lvl = st.get("lvl") or z3.Function("lvl", u.N, z3.IntSort())
        self.pos = st.get("pos") or z3.Function("pos", u.N, z3.IntSort())
        self.ishead = st.get("ishead") or z3.Function("ishead", u.N, z3.BoolSort())
        self.op = st.get("op") or z3.Function("op", u.T, Op)
        self.transitions = _transitions(variant)

    # ---- the global lock order -------------------------------------------------------------
    def lt(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        """a strictly before b in the global order (level descending, then position)."""
        return z3.Or(self.lvl(a) > self.lvl(b),
                     z3.And(self.lvl(a) == self.lvl(b), self.pos(a) < self.pos(b)))

    def le(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        return z3.Or(a == b, self.lt(a, b))

    # ---- static axioms of the shape ----------------------------------------------------------
    def axioms(self) -> z3.BoolRef:
        """Levels are >= 0; one head per level."""
        u = self.u
        return z3.And(
            u.all_n(lambda n: self.lvl(n) >= 0),
            u.all_n(lambda a: u.all_n(lambda b: z3.Implies(
                z3.And(self.ishead(a), self.ishead(b), self.lvl(a) == self.lvl(b)), a == b))))

    def heads_below(self) -> z3.BoolRef:
        """Every level of a node has a head, and so has the level below it, and there is a top
        head (core_c: a head on each of its 32 levels). Used by the progress obligations only."""
        u = self.u

        def head_at(lv: z3.ArithRef) -> z3.BoolRef:
            return u.any_n(lambda h: z3.And(self.ishead(h), self.lvl(h) == lv))
        top = u.any_n(lambda h: z3.And(self.ishead(h), u.all_n(lambda n: z3.Implies(
            self.ishead(n), self.lvl(n) <= self.lvl(h)))))  # finitely many levels: a top one
        return z3.And(top, u.all_n(lambda n: z3.And(head_at(self.lvl(n)), z3.Implies(
            self.lvl(n) > 0, head_at(self.lvl(n) - 1)))))

    # ---- helpers over a state ---------------------------------------------------------------
    def held(self, s: State, t: z3.ExprRef, n: z3.ExprRef) -> z3.BoolRef:
        return s.hold[t, n] != NONE

    def child_of(self, s: State, x: z3.ExprRef, c: z3.ExprRef) -> z3.BoolRef:
        """c is named by a down pointer of x (an entry's, or a head's implicit -inf entry)."""
        return z3.And(self.lvl(x) > 0, z3.Or(
            z3.And(s.hasp[c], s.par[c] == x),
            z3.And(self.ishead(x), self.ishead(c), self.lvl(c) == self.lvl(x) - 1)))

    def has_child(self, s: State, n: z3.ExprRef) -> z3.BoolRef:
        """Some entry of n has a down pointer (n's parent entries: hasp/par of its children)."""
        return self.u.any_n(lambda c: z3.And(s.hasp[c], s.par[c] == n))

    def keeps_child(self, s: State, n: z3.ExprRef) -> z3.BoolRef:
        """n is at level 0, a head (its -inf entry points to the head below) or has a child: what
        a step that moves or removes entries of an upper node leaves it (core_c never empties one:
        a split keeps the keys before k, a shift or settle at least one entry, a delete inside a
        node keeps the node's first entry)."""
        return z3.Or(self.lvl(n) == 0, self.ishead(n), self.has_child(s, n))

    def writer_waiting(self, s: State, t: z3.ExprRef, m: z3.ExprRef) -> z3.BoolRef:
        """Some thread other than t waits for m in write mode (writer preference)."""
        return self.u.any_t(lambda v: z3.And(v != t, s.pc[v] == PC["PEND"], s.req[v] == m,
                                             s.reqm[v] == WR))

    def grantable(self, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """t's pending request can be granted now."""
        m, u = s.req[t], self.u
        w_ok = u.all_t(lambda v: z3.Or(v == t, s.hold[v, m] == NONE))
        r_ok = z3.And(u.all_t(lambda v: s.hold[v, m] != WR), z3.Not(self.writer_waiting(s, t, m)))
        return z3.If(s.reqm[t] == WR, w_ok, r_ok)

    def waits_for(self, s: State, t: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
        """Wait-for edge t -> v: t's pending request is held up by v (holder in a conflicting
        mode, or, for a read request, v waiting to write the same node)."""
        m = s.req[t]
        return z3.And(s.pc[t] == PC["PEND"], z3.If(
            s.reqm[t] == WR,
            z3.And(v != t, s.hold[v, m] != NONE),
            z3.Or(s.hold[v, m] == WR,
                  z3.And(v != t, s.pc[v] == PC["PEND"], s.req[v] == m, s.reqm[v] == WR))))

    def blocked(self, s: State, t: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.pc[t] == PC["PEND"], z3.Not(self.grantable(s, t)))

    def deadlock(self, s: State) -> z3.BoolRef:
        """Some thread unfinished, and every unfinished thread blocked on a lock."""
        u = self.u
        return z3.And(u.any_t(lambda t: s.pc[t] != PC["DONE"]),
                      u.all_t(lambda t: z3.Or(s.pc[t] == PC["DONE"], self.blocked(s, t))))

    def uses_freed(self, s: State) -> z3.BoolRef:
        """Some thread holds the lock of a freed node (a use after free)."""
        u = self.u
        return u.any_t(lambda t: u.any_n(lambda n: z3.And(self.held(s, t, n), s.st[n] == FREED)))

    def initial(self, s: State) -> z3.BoolRef:
        """Every thread at START holding nothing, a delete's write level one of the map's levels
        (core_c: 0). (The shape of an initial state is any shape satisfying the shape conjuncts
        of the invariant: invariants.shape.)"""
        u = self.u
        return u.all_t(lambda t: z3.And(
            s.pc[t] == PC["START"], u.all_n(lambda n: s.hold[t, n] == NONE),
            z3.Implies(self.op(t) == DELETE, self.is_level(s.lim[t]))))

    def is_level(self, lim: z3.ExprRef) -> z3.BoolRef:
        """lim >= 0 is the level of some node (levels are static: of a freed node too)."""
        return z3.And(lim >= 0, self.u.any_n(lambda n: self.lvl(n) == lim))

    # ---- building blocks of transitions --------------------------------------------------------
    def release(self, s: State, t: z3.ExprRef, n: z3.ExprRef) -> z3.ExprRef:
        return self.u.store(s.hold, t, n, NONE)

    def pend(self, s: State, t: z3.ExprRef, req: z3.ExprRef, mode: z3.ExprRef,
             rel: Optional[z3.ExprRef], cont: z3.ExprRef, **more: z3.ExprRef) -> State:
        """t asks for req in `mode`; once granted it releases rel (if any) and goes on at cont."""
        return s.with_(pc=self.u.store(s.pc, t, PC["PEND"]), req=self.u.store(s.req, t, req),
                       reqm=self.u.store(s.reqm, t, mode),
                       hasrel=self.u.store(s.hasrel, t, rel is not None),
                       rel=self.u.store(s.rel, t, rel) if rel is not None else s.rel,
                       cont=self.u.store(s.cont, t, cont), **more)

    def create(self, s: State, t: z3.ExprRef, ch: Choices, left: z3.ExprRef,
               tag: str) -> Tuple[z3.BoolRef, State, z3.ExprRef]:
        """t creates a node right after `left` (which it write-holds), write-locks it and links it
        in; some of left's entries (any subset: the keys after the split point) move into it. The
        node is one of t's reserved spares (res[t] >= 1, one fewer after). Returns (guard, state,
        new node)."""
        y, mv = ch.node(tag), ch.pred(tag + "_moves")
        between = z3.And(self.pos(y) > self.pos(left),
                         z3.Implies(s.hasn[left], self.pos(y) < self.pos(s.nxt[left])))
        if self.variant == "split_left":  # BROKEN: the new node is placed left of the split one
            between = self.pos(y) < self.pos(left)
        # the node is one of the spares the insert reserved before its first lock (insert.c)
        guard = z3.And(s.st[y] == UNBORN, self.lvl(y) == self.lvl(left), between, s.res[t] >= 1)
        par = self.u.lam(lambda c: z3.If(z3.And(s.hasp[c], s.par[c] == left, mv(c)), y, s.par[c]))
        u = self.u
        prv = u.ite(s.hasn[left], u.store(u.store(s.prv, y, left), s.nxt[left], y),
                    u.store(s.prv, y, left))
        n = s.with_(st=u.store(s.st, y, ALIVE), hold=u.store(s.hold, t, y, WR),
                    nxt=u.store(u.store(s.nxt, y, s.nxt[left]), left, y),
                    hasn=u.store(u.store(s.hasn, y, s.hasn[left]), left, True),
                    hasp=u.store(s.hasp, y, False), par=par, prv=prv,
                    res=u.store(s.res, t, s.res[t] - 1))
        return guard, n, y

    def at(self, s: State, t: z3.ExprRef, pc: str) -> z3.BoolRef:
        return s.pc[t] == PC[pc]

    def goto(self, s: State, t: z3.ExprRef, pc: str) -> z3.ExprRef:
        return self.u.store(s.pc, t, PC[pc])


# ======================================================================================
# The transitions. Each function: (model, state, thread, choices) -> (guard, next state).
# ======================================================================================

def t_start(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Begin an operation: ask for the head of some level (the current top) in the op's mode.
    put draws its height h first, reserves its worst case of new nodes, and starts at a level
    >= h-1; a delete pass starts strictly
    above its write level t (delete.c rule (5)), or at t itself only when no level is above it
    (core_c: t is the highest level there is)."""
    hd, h, r = ch.node("head"), ch.int("h"), ch.int("res")
    op, lim = m.op(t), s.lim[t]
    # insert.c: bskip__spare_reserve(m, 2h-1) before the first lock (the thread's cache may hold
    # more): one overflow at level h-1, a split and a spill at each level below
    worst = 2 * h - (2 if m.variant == "reserve_short" else 1)  # BROKEN variant: one short
    topmost = m.u.all_n(lambda n: z3.Implies(m.ishead(n), m.lvl(n) <= m.lvl(hd)))
    dstart = z3.Or(m.lvl(hd) > lim, z3.And(m.lvl(hd) == lim, topmost))
    dlim = lim
    if m.variant == "delete_clamp":  # BROKEN: any head; one below t lowers the write level
        dstart, dlim = z3.BoolVal(True), z3.If(lim > m.lvl(hd), m.lvl(hd), lim)
    guard = z3.And(m.at(s, t, "START"), m.ishead(hd),
                   z3.Implies(op == PUT, z3.And(h >= 1, m.lvl(hd) >= h - 1, r >= worst)),
                   z3.Implies(op == DELETE, dstart))
    if m.u.bounded and m.u.max_level is not None:
        guard = z3.And(guard, m.lvl(hd) <= m.u.max_level, h - 1 <= m.u.max_level)
    mode = z3.If(op == PUT, z3.If(m.lvl(hd) >= h, RD, WR),
                 z3.If(op == DELETE, z3.If(m.lvl(hd) > dlim, RD, WR), RD))
    newlim = z3.If(op == PUT, h, z3.If(op == DELETE, dlim, lim))
    return guard, m.pend(s, t, hd, mode, None, PC["LOOP"], lim=m.u.store(s.lim, t, newlim),
                         res=m.u.store(s.res, t, z3.If(op == PUT, r, s.res[t])))


def t_grant(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """The rwlock grants a pending request. With nothing to release after it (no coupling), the
    thread moves on at once: the register moves of `swap` are local to the thread, so taking them
    in the same step hides no interleaving."""
    guard = z3.And(m.at(s, t, "PEND"), m.grantable(s, t))
    granted = s.with_(hold=m.u.store(s.hold, t, s.req[t], s.reqm[t]), pc=m.goto(s, t, "SWAP"))
    _, moved = t_swap(m, granted, t, ch)
    return guard, State({k: m.u.ite(s.hasrel[t], granted.f[k], moved.f[k]) for k in s.f}, m.u)


def t_swap(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Coupling: the new lock is held; release the one it replaces and move on. A lock taken to
    continue at DN (delete) or SH (put's shift) is a second node held next to x: it goes to y."""
    req, to_dn = s.req[t], z3.Or(s.cont[t] == PC["DN"], s.cont[t] == PC["SH"])
    hold = m.u.ite(s.hasrel[t], m.release(s, t, s.rel[t]), s.hold)
    return m.at(s, t, "SWAP"), s.with_(
        hold=hold, pc=m.u.store(s.pc, t, s.cont[t]),
        x=m.u.ite(to_dn, s.x, m.u.store(s.x, t, req)),
        xm=m.u.ite(to_dn, s.xm, m.u.store(s.xm, t, s.reqm[t])),
        y=m.u.ite(to_dn, m.u.store(s.y, t, req), s.y))


def _put_w(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    return z3.And(m.op(t) == PUT, s.xm[t] == WR)


def t_right(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """walk_right: lock the right neighbour in the mode held, then release the current node."""
    x = s.x[t]
    guard = z3.And(m.at(s, t, "LOOP"), s.hasn[x])
    return guard, m.pend(s, t, s.nxt[x], s.xm[t], x, PC["LOOP"])


def t_down(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Lock a child (down pointer of the entry searched), then release the parent. Mode: get and
    scan R; put R at levels >= h, W below; delete R above its write level; replace_down W at
    level 0. Not used by put's write phase (its descent is part of placing/splitting)."""
    x, c, op, lim = s.x[t], ch.node("child"), m.op(t), s.lim[t]
    in_rd = m.at(s, t, "RD")
    is_child = m.child_of(s, x, c)
    if m.variant == "down_any":  # BROKEN: any node one level below, not one x's entries name
        is_child = z3.And(s.st[c] == ALIVE, m.lvl(c) == m.lvl(x) - 1)
    guard = z3.And(z3.Or(in_rd, z3.And(m.at(s, t, "LOOP"), z3.Not(_put_w(m, s, t)))), is_child)
    lc = m.lvl(c)
    mode = z3.If(in_rd, z3.If(lc == 0, WR, s.xm[t]),
                 z3.If(op == PUT, z3.If(lc >= lim, RD, WR),
                       z3.If(op == DELETE, z3.If(z3.Or(s.xm[t] == WR, lc <= lim), WR, RD), RD)))
    cont = z3.If(in_rd, PC["RD"], PC["LOOP"])
    if m.variant == "parent_early":  # BROKEN: get releases the parent before locking the child
        early = op == GET
        n = m.pend(s.with_(hold=m.u.ite(early, m.release(s, t, x), s.hold)), t, c, mode, x, cont)
        return guard, n.with_(hasrel=m.u.store(s.hasrel, t, z3.Not(early)))
    return guard, m.pend(s, t, c, mode, x, cont)


def _settle_moves(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Tuple[z3.BoolRef, z3.ExprRef]:
    """The settle step's guard and its entry moves (even_out_with_left), shared by settle_left and
    settle_pass: at its placement level a put's walk holds x (= a) and has just W-locked x's
    successor b; the chosen entries of b get a as their parent."""
    x, b = s.x[t], s.req[t]
    mv = ch.pred("moves")
    guard = z3.And(m.at(s, t, "SWAP"), _put_w(m, s, t), s.reqm[t] == WR,
                   s.cont[t] == PC["LOOP"], s.hasrel[t], s.rel[t] == x,
                   m.lvl(b) == m.lvl(x), m.lvl(x) == s.lim[t] - 1, s.hasn[x], s.nxt[x] == b)
    par = m.u.lam(lambda c: z3.If(z3.And(s.hasp[c], s.par[c] == b, mv(c)), x, s.par[c]))
    return guard, par


def t_settle_left(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put's walk at its placement level (walk_right_to_place, even_out_with_left), the other end
    of a right step: b = x's successor has just been write-locked while x (= a) is held; instead of
    the swap, b's first entries move to the end of a, b is released and the walk stops at a."""
    b = s.req[t]
    guard, par = _settle_moves(m, s, t, ch)
    n = s.with_(par=par, hold=m.release(s, t, b), pc=m.goto(s, t, "LOOP"))
    return z3.And(guard, m.keeps_child(n, b)), n  # b keeps at least half its entries


def t_settle_pass(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """The settle step when the key still belongs in b (even_out_with_left returns false after
    moving entries: the key is >= a's new fence, b's new first key): b's first entries move to
    the end of a, then the swap — a released, the walk goes on at b. (Found by trace replay: a
    1-thread put_many trace, seed 3, was rejected at a's release, whose `kids` named an entry the
    model had left in b.)"""
    x, b = s.x[t], s.req[t]
    guard, par = _settle_moves(m, s, t, ch)
    n = s.with_(par=par, hold=m.release(s, t, x), pc=m.goto(s, t, "LOOP"),
                x=m.u.store(s.x, t, b), xm=m.u.store(s.xm, t, WR))
    return z3.And(guard, m.keeps_child(n, b)), n  # b keeps at least half its entries


def t_get_end(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """get at level 0: read, then release."""
    return z3.And(m.at(s, t, "LOOP"), m.op(t) == GET, m.lvl(s.x[t]) == 0), \
        s.with_(pc=m.goto(s, t, "FIN"))


def t_scan_level0(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """scan reached the level-0 node of lo: start the growing phase (its range begins at x)."""
    return z3.And(m.at(s, t, "LOOP"), m.op(t) == SCAN, m.lvl(s.x[t]) == 0), \
        s.with_(pc=m.goto(s, t, "SLOOP"), sfirst=m.u.store(s.sfirst, t, s.x[t]))


def t_scan_next(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """scan: read-lock the next level-0 node, keeping every lock held so far (two-phase)."""
    x = s.x[t]
    if m.variant == "scan_rtl":  # BROKEN: the scan walks right to left
        p = ch.node("left")
        guard = z3.And(m.at(s, t, "SLOOP"), s.st[p] == ALIVE, s.hasn[p], s.nxt[p] == x)
        return guard, m.pend(s, t, p, RD, None, PC["SLOOP"])
    if m.variant == "scan_couple":  # BROKEN: releases x once the next node is held (coupling)
        return z3.And(m.at(s, t, "SLOOP"), s.hasn[x]), m.pend(s, t, s.nxt[x], RD, x, PC["SLOOP"])
    return z3.And(m.at(s, t, "SLOOP"), s.hasn[x]), m.pend(s, t, s.nxt[x], RD, None, PC["SLOOP"])


def t_scan_end(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """scan: the range is covered; read, then the shrinking phase."""
    return m.at(s, t, "SLOOP"), s.with_(pc=m.goto(s, t, "FIN"))


def t_release_one(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Final releases (any order: no acquisition follows them)."""
    n = ch.node("n")
    guard = z3.And(z3.Or(m.at(s, t, "FIN"), m.at(s, t, "RESTART")), m.held(s, t, n))
    return guard, s.with_(hold=m.release(s, t, n))


def _holds_none(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    return m.u.all_n(lambda n: s.hold[t, n] == NONE)


def t_finish(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Everything released: the operation ends."""
    return z3.And(m.at(s, t, "FIN"), _holds_none(m, s, t)), s.with_(pc=m.goto(s, t, "DONE"))


def t_restart(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete re-descends from the top (instead of upgrading a read lock)."""
    return z3.And(m.at(s, t, "RESTART"), _holds_none(m, s, t)), s.with_(pc=m.goto(s, t, "START"))


def t_run_next(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put_many's sorted run (bskip__put_sorted_run, height 1): a key has been placed on level 0
    and every lock but that of the node holding it released; the run's next key continues the
    write walk from there (back to the placement loop at that node, as after the descent), while
    a spare node is left for a possible overflow (core_c stops the run otherwise)."""
    z = ch.node("kept")
    alone = m.u.all_n(lambda n: z3.Or(n == z, s.hold[t, n] == NONE))
    guard = z3.And(m.at(s, t, "FIN"), m.op(t) == PUT, s.lim[t] == 1, m.lvl(z) == 0,
                   s.hold[t, z] == WR, alone, s.res[t] >= 1)  # batch.c: a spare is left
    return guard, s.with_(x=m.u.store(s.x, t, z), xm=m.u.store(s.xm, t, WR),
                          pc=m.goto(s, t, "LOOP"))


def t_put_found(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put finds k already present (levels >= h-1): follow k's down pointers (replace_down)."""
    x = s.x[t]
    guard = z3.And(m.at(s, t, "LOOP"), m.op(t) == PUT,
                   z3.Or(s.xm[t] == RD, m.lvl(x) == s.lim[t] - 1))
    return guard, s.with_(pc=m.goto(s, t, "RD"))


def t_rd_end(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """replace_down at level 0: value replaced; release."""
    return z3.And(m.at(s, t, "RD"), m.lvl(s.x[t]) == 0), s.with_(pc=m.goto(s, t, "FIN"))


def t_del_found_r(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete meets k on a read-locked level: release everything and re-descend with write locks
    from that level (never an upgrade)."""
    x = s.x[t]
    guard = z3.And(m.at(s, t, "LOOP"), m.op(t) == DELETE, s.xm[t] == RD)
    lim = m.u.store(s.lim, t, m.lvl(x))
    if m.variant == "upgrade":  # BROKEN: upgrade the read lock to write while holding it
        return guard, m.pend(s, t, x, WR, None, PC["LOOP"], lim=lim)
    return guard, s.with_(pc=m.goto(s, t, "RESTART"), lim=lim)


def t_put_place_leaf(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put, height 1: k placed in its level-0 node (room left)."""
    x = s.x[t]
    guard = z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(x) == s.lim[t] - 1, m.lvl(x) == 0)
    return guard, s.with_(pc=m.goto(s, t, "FIN"))


def t_put_promote_up(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """BROKEN variant bottom_up: after placing k at level 0, lock the level-1 node to promote k
    into while still holding the level-0 node."""
    x, p = s.x[t], ch.node("upper")
    guard = z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(x) == 0, s.st[p] == ALIVE,
                   m.lvl(p) == 1)
    return guard, m.pend(s, t, p, WR, None, PC["FIN"])


def t_put_place_descend(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put at level h-1 > 0: k's top entry placed in x (room left); x stays write-locked
    (`above`) while the child of the entry before k is write-locked."""
    x, c = s.x[t], ch.node("child")
    guard = z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(x) == s.lim[t] - 1,
                   m.child_of(s, x, c))
    return guard, m.pend(s, t, c, WR, None, PC["LOOP"], above=m.u.store(s.above, t, x))


def t_put_overflow(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put at level h-1, x full: split x in half; the new right half is created write-locked
    (appending past x's last key, it holds k alone: then it has no child until k's is linked)."""
    x = s.x[t]
    g, n, y = m.create(s, t, ch, x, "half")
    guard = z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(x) == s.lim[t] - 1, g,
                   m.keeps_child(n, x))  # x keeps its first half (or all: y gets just k)
    return guard, n.with_(y=m.u.store(n.y, t, y), pc=m.goto(n, t, "OVF"))


def t_shift_lock(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put at level h-1, x full (shift_into_next): write-lock x's existing successor y while
    holding x (a request that can wait, unlike creating a node); y lands in y[t], pc SH."""
    x = s.x[t]
    guard = z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(x) == s.lim[t] - 1, s.hasn[x])
    return guard, m.pend(s, t, s.nxt[x], WR, None, PC["SH"])


def t_shift(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """y can take entries: x's last entries move to the front of y; then as after an overflow
    split (OVF), with y an existing node instead of a new one."""
    x, y, mv = s.x[t], s.y[t], ch.pred("moves")
    par = m.u.lam(lambda c: z3.If(z3.And(s.hasp[c], s.par[c] == x, mv(c)), y, s.par[c]))
    n = s.with_(par=par, pc=m.goto(s, t, "OVF"))
    return z3.And(m.at(s, t, "SH"), m.keeps_child(n, x)), n  # at most half of x moves


def t_shift_back(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """y cannot take entries (headed, or too little room): release y at once; back at x, where
    put_overflow (a new node) applies."""
    return m.at(s, t, "SH"), s.with_(hold=m.release(s, t, s.y[t]), pc=m.goto(s, t, "LOOP"))


def t_ovf_leaf(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """After an overflow split (or a shift) at level 0: k placed; release both nodes."""
    return z3.And(m.at(s, t, "OVF"), m.lvl(s.x[t]) == 0), s.with_(pc=m.goto(s, t, "FIN"))


def t_ovf_descend(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """After an overflow split (or a shift) above level 0: k's entry is in one of the two nodes
    (kept as `above`); lock the child of the entry before k (in either), then release the other."""
    x, y = s.x[t], s.y[t]
    k_in_y, pred_in_y, c = ch.bool("k_in_y"), ch.bool("pred_in_y"), ch.node("child")
    kx, other, pred = z3.If(k_in_y, y, x), z3.If(k_in_y, x, y), z3.If(pred_in_y, y, x)
    # the node released is not k's: it has entries with down pointers (x its first half, y the
    # second), only k's may lack one
    guard = z3.And(m.at(s, t, "OVF"), m.lvl(x) > 0, m.child_of(s, pred, c),
                   m.keeps_child(s, other))
    return guard, m.pend(s, t, c, WR, other, PC["LOOP"], above=m.u.store(s.above, t, kx),
                         x=m.u.store(s.x, t, pred))


def _split_phase(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    return z3.And(m.at(s, t, "LOOP"), _put_w(m, s, t), m.lvl(s.x[t]) < s.lim[t] - 1)


def t_split(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put below level h-1: split x at k; the new node y headed by k is created write-locked."""
    g, n, y = m.create(s, t, ch, s.x[t], "knode")
    # x keeps its keys before k: at least its first (x's first key is below k) unless a head
    return z3.And(_split_phase(m, s, t), g, m.keeps_child(n, s.x[t])), \
        n.with_(y=m.u.store(n.y, t, y), pc=m.goto(n, t, "S1"))


def t_spill_yes(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """k plus x's tail overflow one node (a full head): a spill node is created right of y."""
    g, n, sp = m.create(s, t, ch, s.y[t], "spill")
    sp_child = z3.Or(m.lvl(sp) == 0, m.has_child(n, sp))  # half of a full head's tail
    return z3.And(m.at(s, t, "S1"), g, sp_child), n.with_(s=m.u.store(n.s, t, sp),
                                                has_s=m.u.store(n.has_s, t, True),
                                                pc=m.goto(n, t, "S2"))


def t_spill_no(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    return m.at(s, t, "S1"), s.with_(has_s=m.u.store(s.has_s, t, False), pc=m.goto(s, t, "S2"))


def t_link_up(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """k's entry above gets y as its down pointer; then `above` is released."""
    y, a = s.y[t], s.above[t]
    return m.at(s, t, "S2"), s.with_(par=m.u.store(s.par, y, a), hasp=m.u.store(s.hasp, y, True),
                                     hold=m.release(s, t, a), pc=m.goto(s, t, "S3"))


def t_release_spill(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    hold = m.u.ite(s.has_s[t], m.release(s, t, s.s[t]), s.hold)
    return m.at(s, t, "S3"), s.with_(hold=hold, pc=m.goto(s, t, "S4"))


def t_split_leaf(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Split at level 0 done (value written in y): release y and x."""
    return z3.And(m.at(s, t, "S4"), m.lvl(s.x[t]) == 0), s.with_(pc=m.goto(s, t, "FIN"))


def t_split_descend(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Split above level 0 done: y (k's new node) becomes `above`; lock the child of the entry
    before k in x, then release x."""
    x, c = s.x[t], ch.node("child")
    guard = z3.And(m.at(s, t, "S4"), m.lvl(x) > 0, m.child_of(s, x, c))
    return guard, m.pend(s, t, c, WR, x, PC["LOOP"], above=m.u.store(s.above, t, s.y[t]))


def t_lower_found_new(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put below h-1 finds k (its old top level), inside x: k and the keys after it move to a new
    node (created write-locked) that k heads."""
    g, n, y = m.create(s, t, ch, s.x[t], "target")
    # k's entry moves with k: above level 0 its down pointer (to k's node below) comes along;
    # x keeps the keys before k
    kids = z3.And(z3.Or(m.lvl(y) == 0, m.has_child(n, y)), m.keeps_child(n, s.x[t]))
    return z3.And(_split_phase(m, s, t), g, kids), \
        n.with_(y=m.u.store(n.y, t, y), pc=m.goto(n, t, "F1"))


def t_lower_found_here(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """put below h-1 finds k heading x. Guard (data invariant): k is not on the level above, so
    x has no parent entry."""
    x = s.x[t]
    guard = z3.And(_split_phase(m, s, t), z3.Not(s.hasp[x]))
    return guard, s.with_(y=m.u.store(s.y, t, x), pc=m.goto(s, t, "F1"))


def t_f1(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Release x if k's node is a new one."""
    x, y = s.x[t], s.y[t]
    return m.at(s, t, "F1"), s.with_(hold=m.u.ite(y != x, m.release(s, t, x), s.hold),
                                     pc=m.goto(s, t, "F2"))


def t_f2(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """Set k's down pointer above, release above, replace the value down k's nodes."""
    y, a = s.y[t], s.above[t]
    return m.at(s, t, "F2"), s.with_(par=m.u.store(s.par, y, a), hasp=m.u.store(s.hasp, y, True),
                                     hold=m.release(s, t, a), x=m.u.store(s.x, t, y),
                                     xm=m.u.store(s.xm, t, WR), pc=m.goto(s, t, "RD"))


def _del_w(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    return z3.And(m.at(s, t, "LOOP"), m.op(t) == DELETE, s.xm[t] == WR)


def t_del_remove_inside(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete: k is inside L (not its first key): remove the entry (its child loses its parent)."""
    x, c = s.x[t], ch.node("child")
    guard = z3.And(_del_w(m, s, t), s.hasp[c], s.par[c] == x)
    n = s.with_(hasp=m.u.store(s.hasp, c, False))
    if m.variant == "drop_last_child":  # BROKEN: may remove the node's only entry with a child
        return guard, n
    return z3.And(guard, m.keeps_child(n, x)), n  # k is not L's first entry (strict walk)


def t_del_lock_n(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete: L's successor N is headed by k: write-lock N (right of L)."""
    x = s.x[t]
    return z3.And(_del_w(m, s, t), s.hasn[x]), m.pend(s, t, s.nxt[x], WR, None, PC["DN"])


def t_del_lock_left(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """BROKEN variant left: lock the left sibling while holding x."""
    x, p = s.x[t], ch.node("left")
    guard = z3.And(_del_w(m, s, t), s.st[p] == ALIVE, s.hasn[p], s.nxt[p] == x)
    return guard, m.pend(s, t, p, WR, None, PC["FIN"])


def t_del_end(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    return z3.And(_del_w(m, s, t), m.lvl(s.x[t]) == 0), s.with_(pc=m.goto(s, t, "FIN"))


def _drop_head_entry(m: Model, s: State, ch: Choices, n: z3.ExprRef) -> z3.ExprRef:
    """k's entry (N's first) is removed: its child, if any, loses its parent."""
    c, drop = ch.node("kchild"), ch.bool("has_kchild")
    return m.u.ite(z3.And(drop, s.hasp[c], s.par[c] == n), m.u.store(s.hasp, c, False), s.hasp)


def t_del_n_keep(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete: k removed from N, N stays (now headed by its next key); release N."""
    n = s.y[t]
    post = s.with_(hasp=_drop_head_entry(m, s, ch, n), hold=m.release(s, t, n),
                   pc=m.goto(s, t, "LOOP"))
    # N is kept only when it does not fit into L: it still has entries, with down pointers
    return z3.And(m.at(s, t, "DN"), m.keeps_child(post, n)), post


def t_del_n_unlink(m: Model, s: State, t: z3.ExprRef, ch: Choices) -> Step:
    """delete: k removed from N and N merged into L (or empty): L.next = N.next, N's entries move
    to L, release N and free it. Guard (data invariant): N has no parent entry (it was k's, and k
    was removed from the level above first)."""
    x, n = s.x[t], s.y[t]
    hasp = _drop_head_entry(m, s, ch, n)
    par = m.u.lam(lambda c: z3.If(z3.And(hasp[c], s.par[c] == n), x, s.par[c]))
    guard = z3.And(m.at(s, t, "DN"), z3.Not(s.hasp[n]))
    if m.variant == "free_named":  # BROKEN: frees N even while a parent entry still names it
        guard = m.at(s, t, "DN")
    prv = m.u.ite(s.hasn[n], m.u.store(s.prv, s.nxt[n], x), s.prv)
    return guard, s.with_(hasp=hasp, par=par, nxt=m.u.store(s.nxt, x, s.nxt[n]), prv=prv,
                          hasn=m.u.store(s.hasn, x, s.hasn[n]), st=m.u.store(s.st, n, FREED),
                          hold=m.release(s, t, n), pc=m.goto(s, t, "LOOP"))


_COMMON = [
    Transition("start", t_start), Transition("grant", t_grant), Transition("swap", t_swap),
    Transition("right", t_right), Transition("down", t_down), Transition("get_end", t_get_end),
    Transition("scan_level0", t_scan_level0), Transition("scan_next", t_scan_next),
    Transition("scan_end", t_scan_end), Transition("release", t_release_one),
    Transition("finish", t_finish), Transition("restart", t_restart),
    Transition("put_found", t_put_found), Transition("rd_end", t_rd_end),
    Transition("run_next", t_run_next),
    Transition("del_found_r", t_del_found_r),
    Transition("put_place_leaf", t_put_place_leaf),
    Transition("put_place_descend", t_put_place_descend),
    Transition("settle_left", t_settle_left), Transition("settle_pass", t_settle_pass),
    Transition("shift_lock", t_shift_lock),
    Transition("shift", t_shift), Transition("shift_back", t_shift_back),
    Transition("put_overflow", t_put_overflow, acquires=True), Transition("ovf_leaf", t_ovf_leaf),
    Transition("ovf_descend", t_ovf_descend), Transition("split", t_split, acquires=True),
    Transition("spill_yes", t_spill_yes, acquires=True), Transition("spill_no", t_spill_no),
    Transition("link_up", t_link_up), Transition("release_spill", t_release_spill),
    Transition("split_leaf", t_split_leaf), Transition("split_descend", t_split_descend),
    Transition("lower_found_new", t_lower_found_new, acquires=True),
    Transition("lower_found_here", t_lower_found_here), Transition("f1", t_f1),
    Transition("f2", t_f2), Transition("del_remove_inside", t_del_remove_inside),
    Transition("del_lock_n", t_del_lock_n), Transition("del_end", t_del_end),
    Transition("del_n_keep", t_del_n_keep), Transition("del_n_unlink", t_del_n_unlink),
]


def _transitions(variant: Optional[str]) -> List[Transition]:
    ts = list(_COMMON)
    if variant == "bottom_up":
        ts.append(Transition("put_promote_up", t_put_promote_up))
    if variant == "left":
        ts.append(Transition("del_lock_left", t_del_lock_left))
    return ts
