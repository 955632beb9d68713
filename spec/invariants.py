"""invariants.py — the inductive invariant of the protocol model, and the wait-for rank.

The invariant is a list of named conjuncts (so a failed proof names the one that broke):
  shape    heads alive and leftmost; right goes right on the same level to a live node; at most
           one live left neighbour per node, and (ghost prv) every live non-head node has one; a
           parent entry is one level up in a live node;
  locks    a write lock is exclusive; only live nodes are held; an idle thread holds nothing;
  order    a thread standing in x holds only locks <= x, and still does during a walk step to
           the right (so put's settle step may stop at x); a pending request is > every lock its
           thread holds (the property (a) of the proof, in its inductive form);
  coupling a pending request was read from a node the thread still holds (its right neighbour or
           one of its down pointers), or is the head of a level — this is what makes immediate
           reclamation safe;
  phases   what each insert/delete sub-step holds (above, the new node, the spill node, the
           successor of a shift...); a get or scan descending holds one lock (two while coupling);
  progress an upper non-head node has an entry with a down pointer unless an insert is building
           it; an insert's reserved spare nodes cover what it may still create; a delete's
           write level is a level of the map (what proof.progress needs: no thread is stuck);
  scan     in its range phase a scan holds its first level-0 node (lo's, ghost sfirst) and, for
           every other level-0 node it holds, that node's left neighbour: by induction along prv
           (positions fall, and none is left of sfirst) it holds the whole list segment from sfirst
           to the node it stands in (`range_held`, the two-phase property scan.c's argument needs).
The wait-for rank of a pending thread is (its requested node, its mode) ordered lexicographically
by the global lock order, then R < W.
"""
from __future__ import annotations

from typing import Callable, List, Tuple

import z3

from .model import Model
from .state import State
from .universe import ALIVE, DELETE, GET, NONE, PC, PUT, RD, SCAN, UNBORN, WR

Conjunct = Tuple[str, Callable[[Model, State], z3.BoolRef]]


def _per_thread(name: str, body: Callable[[Model, State, z3.ExprRef], z3.BoolRef]) -> Conjunct:
    return name, lambda m, s: m.u.all_t(lambda t: body(m, s, t))


def _held_le(m: Model, s: State, t: z3.ExprRef, top: z3.ExprRef) -> z3.BoolRef:
    return m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), m.le(n, top)))


def _in(s: State, t: z3.ExprRef, *pcs: str) -> z3.BoolRef:
    return z3.Or([s.pc[t] == PC[p] for p in pcs])


def shape(m: Model, s: State) -> List[Tuple[str, z3.BoolRef]]:
    u, nx = m.u, s.nxt

    def al(n: z3.ExprRef) -> z3.BoolRef:
        return s.st[n] == ALIVE

    out = [
        ("heads alive", u.all_n(lambda n: z3.Implies(m.ishead(n), al(n)))),
        ("heads leftmost", u.all_n(lambda n: u.all_n(lambda h: z3.Implies(
            z3.And(al(n), m.ishead(h), m.lvl(h) == m.lvl(n)), m.pos(h) <= m.pos(n))))),
        ("right goes right", u.all_n(lambda n: z3.Implies(z3.And(al(n), s.hasn[n]), z3.And(
            al(nx[n]), m.lvl(nx[n]) == m.lvl(n), m.pos(nx[n]) > m.pos(n))))),
        ("one left neighbour", u.all_n(lambda a: u.all_n(lambda b: z3.Implies(
            z3.And(al(a), al(b), s.hasn[a], s.hasn[b], nx[a] == nx[b]), a == b)))),
        ("parent one level up", u.all_n(lambda n: z3.Implies(z3.And(al(n), s.hasp[n]), z3.And(
            al(s.par[n]), m.lvl(s.par[n]) == m.lvl(n) + 1)))),
        ("only live nodes have parents", u.all_n(lambda n: z3.Implies(z3.Not(al(n)),
                                                                      z3.Not(s.hasp[n])))),
        ("left pointer", u.all_n(lambda n: z3.Implies(z3.And(al(n), z3.Not(m.ishead(n))), z3.And(
            al(s.prv[n]), s.hasn[s.prv[n]], nx[s.prv[n]] == n)))),
    ]
    if m.variant == "drop_one_left":  # BROKEN proof: without "one left neighbour", in both its
        # forms: the conjunct, and the ghost left pointer that implies it over finitely many
        # nodes (one head per level, each other node named by its left neighbour's next)
        out = [c for c in out if c[0] not in ("one left neighbour", "left pointer")]
    return out


def in_range_phase(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    """t is a scan past lo's node: growing its level-0 range (SLOOP, or a request made there) or
    at FIN (its shrinking phase: only releases follow)."""
    return z3.And(m.op(t) == SCAN, z3.Or(
        _in(s, t, "SLOOP", "FIN"), z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["SLOOP"])))


def range_held(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    """Scan t read-holds sfirst[t] and x[t], and for every other level-0 node it holds, that node's
    left neighbour (so, by induction, every node of the segment sfirst..x)."""
    f, u = s.sfirst[t], m.u
    return z3.And(
        m.lvl(f) == 0, s.hold[t, f] == RD, s.hold[t, s.x[t]] == RD, m.le(f, s.x[t]),
        u.all_n(lambda n: z3.Implies(z3.And(m.held(s, t, n), m.lvl(n) == 0, n != f), z3.And(
            m.lt(f, n), z3.Not(m.ishead(n)), s.hold[t, s.prv[n]] == RD))))


def above_unset(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
    """Insert t holds above[t] with k's entry whose down pointer is not set yet (the phases of
    `above_held`, `split` S1-S2 and `found_lower`)."""
    x, req, lim = s.x[t], s.req[t], s.lim[t]
    loop = z3.And(_in(s, t, "LOOP"), s.xm[t] == WR, m.lvl(x) < lim - 1)
    pend = z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"], s.reqm[t] == WR,
                  m.lvl(req) < lim - 1)
    return z3.And(m.op(t) == PUT, z3.Or(loop, pend, _in(s, t, "S1", "S2", "F1", "F2")))


def builds(m: Model, s: State, t: z3.ExprRef, n: z3.ExprRef) -> z3.BoolRef:
    """Insert t is building n, write-held by it, which may have no entry with a down pointer
    yet: the node with k's unset entry (above), or the node an overflow or split just created or
    shifted into (y) before the insert moves on."""
    return z3.And(m.op(t) == PUT, z3.Or(
        z3.And(above_unset(m, s, t), n == s.above[t]),
        z3.And(_in(s, t, "OVF", "S1", "S2", "S3", "S4"), n == s.y[t])))


def building(m: Model, s: State, n: z3.ExprRef) -> z3.BoolRef:
    """Some insert is building n (`builds`)."""
    return m.u.any_t(lambda t: builds(m, s, t, n))


def built_alone(m: Model, s: State) -> z3.BoolRef:
    """A node an insert is building is held by no other thread, and by its builder in W (a lemma
    of the invariant, proof.py; the progress obligations assume it)."""
    u = m.u
    return u.all_t(lambda t: u.all_n(lambda n: z3.Implies(builds(m, s, t, n), z3.And(
        s.hold[t, n] == WR, u.all_t(lambda v: z3.Or(v == t, s.hold[v, n] == NONE))))))


# Conjuncts whose instances make new terms they apply to again (a node's child is a node, one level
# down, with a child...): E-matching chains through them and slows every query, so proof.py
# assumes them only for the goals that need them.
CHAIN = ("upper nodes have a child",)


def children(m: Model, s: State) -> List[Tuple[str, z3.BoolRef]]:
    """Progress needs every descent to find a child: an upper node that is not a head (whose -inf
    entry points to the head below) has an entry with a down pointer, unless an insert is
    building it (and holds it write-locked, so no other thread is inside it)."""
    return [("upper nodes have a child", m.u.all_n(lambda n: has_child_at(m, s, n)))]


def has_child_at(m: Model, s: State, n: z3.ExprRef) -> z3.BoolRef:
    """`children` for the node n (an instance the progress obligations give Z3 directly)."""
    return z3.Implies(
        z3.And(s.st[n] == ALIVE, m.lvl(n) > 0, z3.Not(m.ishead(n)), z3.Not(building(m, s, n))),
        m.has_child(s, n))


def supply(m: Model, s: State) -> List[Tuple[str, z3.BoolRef]]:
    """The allocator's supply, as the model's static positions need it: between any two nodes of
    a level, and right of any node, there is a node not yet born. (A real allocator can always
    place a new node between two neighbours; what it can run out of is memory, and core_c takes
    an insert's nodes before its first lock, failing with BSKIP_ENOMEM while holding nothing.)
    It needs infinitely many nodes, so it is an assumption on the initial state, shown preserved
    by every step that creates a node (proof.py), and never part of the invariant that the
    finite counterexample searches use."""
    u = m.u

    def unborn_at(c: z3.ExprRef, a: z3.ExprRef) -> z3.BoolRef:
        return z3.And(s.st[c] == UNBORN, m.lvl(c) == m.lvl(a), m.pos(c) > m.pos(a))
    return [
        ("an unborn node between any two", u.all_n(lambda a: u.all_n(lambda b: z3.Implies(
            z3.And(m.lvl(a) == m.lvl(b), m.pos(a) < m.pos(b)),
            u.any_n(lambda c: z3.And(unborn_at(c, a), m.pos(c) < m.pos(b))))))),
        ("an unborn node right of any", u.all_n(lambda a: u.any_n(lambda c: unborn_at(c, a)))),
    ]


def free_place(m: Model, s: State) -> z3.BoolRef:
    """Right of every live node, before its successor, an unborn node could be linked (what a
    split or overflow needs; implied by `supply`, and satisfiable with finitely many nodes)."""
    return m.u.all_n(lambda a: free_place_at(m, s, a))


def free_place_at(m: Model, s: State, a: z3.ExprRef) -> z3.BoolRef:
    """`free_place` for the node a (an instance the progress obligations give Z3 directly)."""
    return z3.Implies(s.st[a] == ALIVE, m.u.any_n(lambda c: z3.And(
        s.st[c] == UNBORN, m.lvl(c) == m.lvl(a), m.pos(c) > m.pos(a),
        z3.Implies(s.hasn[a], m.pos(c) < m.pos(s.nxt[a])))))


def _locks(m: Model, s: State) -> List[Tuple[str, z3.BoolRef]]:
    u = m.u
    return [
        ("write lock exclusive", u.all_t(lambda t: u.all_t(lambda v: u.all_n(lambda n: z3.Implies(
            z3.And(t != v, s.hold[t, n] == WR), s.hold[v, n] == NONE))))),
        ("held nodes are live", u.all_t(lambda t: u.all_n(lambda n: z3.Implies(
            m.held(s, t, n), s.st[n] == ALIVE)))),
    ]


def _thread_conjuncts() -> List[Conjunct]:
    def idle(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        return z3.Implies(_in(s, t, "START", "DONE"),
                          m.u.all_n(lambda n: s.hold[t, n] == NONE))

    def standing(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x = s.x[t]
        return z3.Implies(_in(s, t, "LOOP", "RD", "SLOOP"), z3.And(
            s.hold[t, x] == s.xm[t], s.xm[t] != NONE, _held_le(m, s, t, x)))

    def pending(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        req, x = s.req[t], s.x[t]
        first = z3.And(m.ishead(req), m.u.all_n(lambda n: s.hold[t, n] == NONE))
        coupled = z3.And(m.held(s, t, x), z3.Or(z3.And(s.hasn[x], s.nxt[x] == req),
                                                 m.child_of(s, x, req)))
        return z3.Implies(_in(s, t, "PEND"), z3.And(
            s.st[req] == ALIVE, s.reqm[t] != NONE,
            m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), m.lt(n, req))),
            z3.Implies(s.hasrel[t], m.held(s, t, s.rel[t])), z3.Or(first, coupled)))

    def granted(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        req = s.req[t]
        return z3.Implies(_in(s, t, "SWAP"), z3.And(
            s.hold[t, req] == s.reqm[t], s.reqm[t] != NONE, _held_le(m, s, t, req),
            z3.Implies(s.hasrel[t], z3.And(m.held(s, t, s.rel[t]), s.rel[t] != req))))

    def continuation(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        return z3.Implies(_in(s, t, "PEND", "SWAP"), z3.Or(
            [s.cont[t] == PC[p] for p in ("LOOP", "RD", "SLOOP", "DN", "SH", "FIN")]))

    def op_of_pc(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        dn = z3.Or(_in(s, t, "DN"), z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["DN"]))
        sh = z3.Or(_in(s, t, "SH", "RD"), z3.And(_in(s, t, "PEND", "SWAP"), z3.Or(
            s.cont[t] == PC["SH"], s.cont[t] == PC["RD"])))
        return z3.And(z3.Implies(dn, m.op(t) == DELETE),
                      z3.Implies(z3.Or(sh, _in(s, t, "OVF", "S1", "S2", "S3", "S4", "F1", "F2")),
                                 m.op(t) == PUT))

    def right_step(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """A walk step to the right (request on x's level, releasing x once granted) holds only
        x, in its mode, and what is left of it (and, granted, the new lock)."""
        x, req = s.x[t], s.req[t]
        return z3.Implies(z3.And(_in(s, t, "PEND", "SWAP"), s.hasrel[t], s.rel[t] == x,
                                 m.lvl(req) == m.lvl(x)), z3.And(
            s.hold[t, x] == s.xm[t], s.xm[t] != NONE,
            m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(m.le(n, x), n == req)))))

    def shift(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """put's shift (shift_into_next): x full at level h-1 and its successor, write-locked."""
        x, req, y = s.x[t], s.req[t], s.y[t]
        to_sh = z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["SH"])
        common = z3.And(s.hold[t, x] == WR, s.xm[t] == WR, s.hasn[x], m.lvl(x) == s.lim[t] - 1)
        return z3.And(
            z3.Implies(to_sh, z3.And(
                common, s.nxt[x] == req, s.reqm[t] == WR, z3.Not(s.hasrel[t]),
                m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(m.le(n, x), n == req))))),
            z3.Implies(_in(s, t, "SH"), z3.And(
                common, s.nxt[x] == y, s.hold[t, y] == WR,
                m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(m.le(n, x), n == y))))))

    def to_dn(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, req = s.x[t], s.req[t]
        return z3.Implies(z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["DN"]), z3.And(
            s.hold[t, x] == WR, s.xm[t] == WR, s.hasn[x], s.nxt[x] == req,
            s.reqm[t] == WR, z3.Not(s.hasrel[t]),
            m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(m.le(n, x), n == req)))))

    def dn(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, y = s.x[t], s.y[t]
        return z3.Implies(_in(s, t, "DN"), z3.And(
            s.hold[t, x] == WR, s.xm[t] == WR, s.hold[t, y] == WR, s.hasn[x], s.nxt[x] == y,
            m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(m.le(n, x), n == y)))))

    def put_levels(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, req, lim = s.x[t], s.req[t], s.lim[t]
        loop = z3.And(m.op(t) == PUT, _in(s, t, "LOOP"))
        pend = z3.And(m.op(t) == PUT, _in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"])
        return z3.And(
            z3.Implies(z3.And(loop, s.xm[t] == RD), m.lvl(x) >= lim),
            z3.Implies(z3.And(loop, s.xm[t] == WR), m.lvl(x) <= lim - 1),
            z3.Implies(z3.And(pend, s.reqm[t] == RD), m.lvl(req) >= lim),
            z3.Implies(z3.And(pend, s.reqm[t] == WR), m.lvl(req) <= lim - 1))

    def delete_levels(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """A delete reads (R) only above its write level t and writes (W) only at or below it."""
        x, req, lim = s.x[t], s.req[t], s.lim[t]
        loop = z3.And(m.op(t) == DELETE, _in(s, t, "LOOP"))
        pend = z3.And(m.op(t) == DELETE, _in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"])
        dn = z3.Or(_in(s, t, "DN"), z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["DN"]))
        return z3.And(
            z3.Implies(z3.And(loop, s.xm[t] == RD), m.lvl(x) > lim),
            z3.Implies(z3.And(loop, s.xm[t] == WR), m.lvl(x) <= lim),
            z3.Implies(z3.And(m.op(t) == DELETE, dn), m.lvl(x) <= lim),
            z3.Implies(z3.And(pend, s.reqm[t] == RD), m.lvl(req) > lim),
            z3.Implies(z3.And(pend, s.reqm[t] == WR), m.lvl(req) <= lim))

    def above_held(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, req, a, lim = s.x[t], s.req[t], s.above[t], s.lim[t]
        loop = z3.And(m.op(t) == PUT, _in(s, t, "LOOP"), s.xm[t] == WR, m.lvl(x) < lim - 1)
        pend = z3.And(m.op(t) == PUT, _in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"],
                      s.reqm[t] == WR, m.lvl(req) < lim - 1)
        return z3.And(
            z3.Implies(loop, z3.And(s.hold[t, a] == WR, m.lvl(a) == m.lvl(x) + 1)),
            z3.Implies(pend, z3.And(s.hold[t, a] == WR, m.lvl(a) == m.lvl(req) + 1,
                                    z3.Implies(s.hasrel[t], s.rel[t] != a))))

    def two_nodes(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """x and its new right neighbour y, both write-held (overflow, split, spill)."""
        x, y = s.x[t], s.y[t]
        return z3.Implies(_in(s, t, "OVF", "S1", "S2", "S3", "S4"), z3.And(
            s.hold[t, x] == WR, s.hold[t, y] == WR, m.lvl(y) == m.lvl(x),
            m.pos(x) < m.pos(y)))

    def ovf(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x = s.x[t]
        return z3.Implies(_in(s, t, "OVF"), z3.And(m.lvl(x) == s.lim[t] - 1,
                                                   _held_le(m, s, t, s.y[t])))

    def split(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, y, a, sp = s.x[t], s.y[t], s.above[t], s.s[t]
        held_ok = m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(
            m.le(n, y), z3.And(s.has_s[t], n == sp))))
        spill = z3.Implies(s.has_s[t], z3.And(s.hold[t, sp] == WR, s.hasn[y], s.nxt[y] == sp,
                                              m.lvl(sp) == m.lvl(y)))
        return z3.And(
            z3.Implies(_in(s, t, "S1", "S2", "S3", "S4"), m.lvl(x) < s.lim[t] - 1),
            z3.Implies(_in(s, t, "S1", "S2"), z3.And(
                s.hold[t, a] == WR, m.lvl(a) == m.lvl(x) + 1, z3.Not(s.hasp[y]),
                s.hasn[x], s.nxt[x] == y)),
            z3.Implies(_in(s, t, "S1"), _held_le(m, s, t, y)),
            z3.Implies(_in(s, t, "S2", "S3"), z3.And(spill, held_ok)),
            z3.Implies(_in(s, t, "S4"), _held_le(m, s, t, y)))

    def found_lower(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        x, y, a = s.x[t], s.y[t], s.above[t]
        both = z3.And(s.hold[t, y] == WR, s.hold[t, a] == WR, m.lvl(a) == m.lvl(y) + 1,
                      z3.Not(s.hasp[y]), _held_le(m, s, t, y))
        return z3.And(
            z3.Implies(_in(s, t, "F1"), z3.And(both, s.hold[t, x] == WR, m.lvl(y) == m.lvl(x),
                                               z3.Or(y == x, m.pos(x) < m.pos(y)))),
            z3.Implies(_in(s, t, "F2"), both))

    def reader_descent(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """get and scan take read locks only; descending (before a scan's range phase) they hold
        x only, or nothing before the first grant (and, granted, the new lock)."""
        x, req = s.x[t], s.req[t]
        reader = z3.Or(m.op(t) == GET, m.op(t) == SCAN)
        only = m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), n == x))
        none = m.u.all_n(lambda n: z3.Not(m.held(s, t, n)))
        pair = m.u.all_n(lambda n: z3.Implies(m.held(s, t, n), z3.Or(n == x, n == req)))
        coupling = z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"])
        return z3.Implies(reader, z3.And(
            m.u.all_n(lambda n: s.hold[t, n] != WR),
            z3.Implies(_in(s, t, "PEND", "SWAP"), s.reqm[t] == RD),
            z3.Implies(_in(s, t, "LOOP"), only),
            z3.Implies(coupling, z3.Or(z3.And(s.hasrel[t], s.rel[t] == x), z3.And(
                z3.Not(s.hasrel[t]), m.u.all_n(lambda n: z3.Implies(
                    m.held(s, t, n), z3.And(_in(s, t, "SWAP"), n == req)))))),
            z3.Implies(z3.And(_in(s, t, "PEND"), s.cont[t] == PC["LOOP"]), z3.Or(only, none)),
            z3.Implies(z3.And(_in(s, t, "SWAP"), s.cont[t] == PC["LOOP"]), pair)))

    def scan_range(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        grow = z3.And(m.op(t) == SCAN, z3.Or(_in(s, t, "SLOOP"), z3.And(
            _in(s, t, "PEND", "SWAP"), s.cont[t] == PC["SLOOP"])))
        granted_next = m.u.all_n(lambda n: z3.Implies(
            z3.And(_in(s, t, "SWAP"), n == s.req[t]), z3.And(s.prv[n] == s.x[t],
                                                            z3.Not(m.ishead(n)))))
        return z3.Implies(grow, z3.And(m.lvl(s.x[t]) == 0, z3.Implies(
            _in(s, t, "PEND", "SWAP"), z3.Not(s.hasrel[t])), range_held(m, s.with_(
            hold=m.u.ite(_in(s, t, "SWAP"), m.release(s, t, s.req[t]), s.hold)), t),
            granted_next))

    def spares(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """An insert's spare nodes cover every node it may still create: 2l+2 entering level l
        below h-1 (a split and a spill on each level down to 0), 2h-1 at level h-1 and above
        (and shifting there), one fewer after the split or overflow of the level it is on."""
        x, req, lim, r = s.x[t], s.req[t], s.lim[t], s.res[t]
        to_loop = z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["LOOP"])
        top = z3.Or(z3.And(_in(s, t, "LOOP"), z3.Or(s.xm[t] == RD, m.lvl(x) >= lim - 1)),
                    z3.And(to_loop, z3.Or(s.reqm[t] == RD, m.lvl(req) >= lim - 1)),
                    _in(s, t, "SH"), z3.And(_in(s, t, "PEND", "SWAP"), s.cont[t] == PC["SH"]))
        return z3.Implies(m.op(t) == PUT, z3.And(
            z3.Implies(top, r >= 2 * lim - 1),
            z3.Implies(z3.And(_in(s, t, "LOOP"), s.xm[t] == WR, m.lvl(x) < lim - 1),
                       r >= 2 * m.lvl(x) + 2),
            z3.Implies(z3.And(to_loop, s.reqm[t] == WR, m.lvl(req) < lim - 1),
                       r >= 2 * m.lvl(req) + 2),
            z3.Implies(_in(s, t, "OVF", "S2", "S3", "S4"), r >= 2 * m.lvl(x)),
            z3.Implies(_in(s, t, "S1"), r >= 2 * m.lvl(x) + 1)))

    def write_level(m: Model, s: State, t: z3.ExprRef) -> z3.BoolRef:
        """A delete's write level is one of the map's levels (a pass can start above or at it)."""
        return z3.Implies(m.op(t) == DELETE, m.is_level(s.lim[t]))

    return [
        _per_thread("idle threads hold nothing", idle),
        _per_thread("held locks <= current node", standing),
        _per_thread("pending request > held locks, read from a held node", pending),
        _per_thread("granted request >= held locks", granted),
        _per_thread("requests continue at a known step", continuation),
        _per_thread("insert/delete sub-steps belong to their operation", op_of_pc),
        _per_thread("delete: N is L's successor", to_dn),
        _per_thread("delete: L and N write-held", dn),
        _per_thread("walk right: x and the new lock only", right_step),
        _per_thread("put: shift into x's successor", shift),
        _per_thread("put: read levels >= h > write levels", put_levels),
        _per_thread("delete: read levels > t >= write levels", delete_levels),
        _per_thread("put: k's entry above stays write-held", above_held),
        _per_thread("put: split halves write-held", two_nodes),
        _per_thread("put: overflow at level h-1", ovf),
        _per_thread("put: split below h-1", split),
        _per_thread("put: k found below h-1", found_lower),
        _per_thread("get/scan descent: one lock", reader_descent),
        _per_thread("scan: its range held from its first node", scan_range),
        _per_thread("put: its spares cover the nodes it may create", spares),
        _per_thread("delete: its write level is a level", write_level),
    ]


def conjuncts(m: Model, s: State) -> List[Tuple[str, z3.BoolRef]]:
    """The invariant as (name, formula) pairs, for state s."""
    return shape(m, s) + _locks(m, s) + [(n, f(m, s)) for n, f in _thread_conjuncts()] + \
        children(m, s)


def invariant(m: Model, s: State) -> z3.BoolRef:
    return z3.And([f for _, f in conjuncts(m, s)])


def rank_lt(m: Model, s: State, t: z3.ExprRef, v: z3.ExprRef) -> z3.BoolRef:
    """The wait-for rank of t is below that of v: (requested node, mode), global order then
    R < W."""
    a, b = s.req[t], s.req[v]
    return z3.Or(m.lt(a, b), z3.And(a == b, s.reqm[t] == RD, s.reqm[v] == WR))


def newly_acquired_above_held(m: Model, s: State, n: State, t: z3.ExprRef) -> z3.BoolRef:
    """Every lock t holds in n but not in s is greater than every lock t held in s."""
    u = m.u
    return u.all_n(lambda a: u.all_n(lambda b: z3.Implies(
        z3.And(m.held(s, t, a), z3.Not(m.held(s, t, b)), m.held(n, t, b)), m.lt(a, b))))


__all__ = ["conjuncts", "invariant", "rank_lt", "newly_acquired_above_held", "in_range_phase",
           "range_held", "building", "above_unset", "supply", "free_place", "children", "CHAIN",
           "builds", "built_alone"]
