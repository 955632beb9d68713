"""proof.py — the unbounded proof: any number of threads, any skiplist shape.

Threads and nodes are uninterpreted sorts (universe.py); the shape is constrained only by the
invariant's shape conjuncts. Each obligation is a Z3 validity query (its negation is unsat):
  init        the initial states satisfy the invariant;
  step:<name> the invariant is preserved by that protocol step, taken by any thread, in any state
              satisfying the invariant (induction);
  order:<name> every lock newly held after that step is greater, in the global order, than every
              lock its thread held before it (property (a) on acquisitions; for a pending request
              the invariant itself says it is greater than every held lock);
  wait-for edges increase rank: a wait-for edge t -> v between pending threads goes to a strictly
              greater (requested node, mode) (property (b); the writer-preference edge, a reader
              waiting for a waiting writer of the same node, goes R -> W);
  blocked means an edge: a blocked thread has a wait-for edge to an unfinished thread;
  no deadlock: with finitely many threads some pending thread has maximal rank; it cannot be
              blocked. Hence no state satisfying the invariant is a deadlock;
  no use after free: no thread holds or waits for a freed node;
  two-phase:<name> across that step a scan in its range releases only at FIN, acquires nothing
              from FIN on, and enters FIN holding its whole level-0 range (`two_phase`);
  restarts:<name> that step never lowers a delete's write level, and a restart raises it
              (`write_level_rises`: a bound on delete's passes).
`build(u, variant)` writes every obligation in any universe: the unbounded one here, a finite one
for the counterexample search (cti.py), which runs on every obligation not proved.
Invariant: a ProofResult is `proved` only when Z3 answered unsat for the negated obligation
(sat or unknown both count as not proved).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Collection, Dict, List, Optional, Set, Tuple

import z3

from .invariants import (conjuncts, in_range_phase, invariant, newly_acquired_above_held,
                         range_held, rank_lt, shape)
from .model import Model
from .state import State
from .universe import DELETE, PC, Choices, Universe

if TYPE_CHECKING:
    from .cti import Cti

TIMEOUT_MS = 30000  # per goal; the real obligations take under 3 s each (about 0.1-2 s)
CTI_SIZES = ((2, 4), (2, 6), (3, 6))  # (threads, nodes) a counterexample search tries, in order


@dataclass
class ProofResult:
    """One proof obligation: its name, whether Z3 proved it, the solver time, and (if not proved)
    what went wrong: `counterexample` names the broken conjunct, `cti` is the concrete
    counterexample to induction the bounded search found for it (None when it found none)."""
    name: str
    proved: bool
    seconds: float
    counterexample: Optional[str] = None
    cti: Optional["Cti"] = None
    goal: str = ""      # the conjunct not proved

    def describe(self) -> str:
        head = "%-60s %s  %6.3fs" % (self.name, "proved" if self.proved else "NOT PROVED",
                                      self.seconds)
        if self.proved:
            return head
        out = head + "\n    " + (self.counterexample or "")
        if self.cti is not None:
            out += "\n" + "\n".join("    " + line for line in self.cti.lines())
        else:
            out += "\n    (no counterexample to induction with up to %d threads and %d nodes)" \
                % CTI_SIZES[-1]
        return out


@dataclass
class Obligation:
    """One query: hypotheses, and goals each proved separately (named, so a failure names the
    conjunct). `step` is the transition taken (None for the state-only obligations); `pre`/`post`
    the states and `t` the thread, for narrating a counterexample."""
    key: str
    title: str
    hyps: List[z3.BoolRef]
    goals: List[Tuple[str, z3.BoolRef]]
    pre: State
    post: Optional[State] = None
    t: Optional[z3.ExprRef] = None
    step: Optional[str] = None


def _solve(ob: Obligation, timeout_ms: int) -> Tuple[Optional[str], float, str]:
    """(first goal not proved or None, solver seconds, why not: Z3's answer and reason)."""
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*ob.hyps)
    total = 0.0
    for goal_name, goal in ob.goals:
        solver.push()
        solver.add(z3.Not(goal))
        t0 = time.perf_counter()
        r = solver.check()
        total += time.perf_counter() - t0
        if r != z3.unsat:
            why = ("Z3 answered unknown (%s)" % solver.reason_unknown()) if r == z3.unknown \
                else "Z3 found a counterexample"
            return goal_name, total, why
        solver.pop()
    return None, total, ""


def _check(ob: Obligation, variant: Optional[str], timeout_ms: int) -> ProofResult:
    """Proves one obligation in the unbounded universe; if Z3 does not answer unsat, searches a
    counterexample to induction for the goal it could not prove (cti.find_cti)."""
    from .cti import find_cti

    bad, secs, why = _solve(ob, timeout_ms)
    if bad is None:
        return ProofResult(ob.title, True, secs)
    msg = "%s: '%s' %s" % (why, bad, "broken after the step" if ob.step else "not implied")
    return ProofResult(ob.title, False, secs, msg, find_cti(ob.key, bad, variant), bad)


STEP_KINDS = ("step", "order", "two-phase", "restarts")  # per transition, in build's order
TAIL_KEYS = ("wait-for edges increase rank", "blocked means an edge", "no deadlock",
             "no use after free")


def obligation_keys(variant: Optional[str] = None) -> List[str]:
    """The keys of every obligation, in build's order, without building any (cheap)."""
    names = [tr.name for tr in Model(Universe(), variant).transitions]
    return ["init"] + ["%s %s" % (kind, n) for n in names for kind in STEP_KINDS] + list(TAIL_KEYS)


def build(u: Universe, variant: Optional[str] = None,
          only: Optional[Collection[str]] = None) -> List[Obligation]:
    """Every proof obligation in universe u (unbounded for the proof, finite for a counterexample
    search), in the order `prove` runs them (obligation_keys); `only`: just those keys."""
    m = Model(u, variant)
    s = State.fresh(u, "s")
    u.reseed(0)
    ax = m.axioms()
    t, v = z3.Const("t", u.T), z3.Const("v", u.T)
    inv_cache: List[z3.BoolRef] = []

    def inv() -> z3.BoolRef:
        if not inv_cache:
            u.reseed(1)
            inv_cache.append(invariant(m, s))
        return inv_cache[0]
    obs: List[Obligation] = []
    deps = _conjunct_fields(variant)

    if isinstance(only, str):
        only = {only}

    def want(key: str) -> bool:
        return only is None or key in only

    if want("init"):
        u.reseed(2)
        obs.append(Obligation("init", "init: the invariant holds in every initial state",
                              [ax, m.initial(s)] + [f for _, f in shape(m, s)], conjuncts(m, s), s))
    for i, tr in enumerate(m.transitions):
        keys = tuple("%s %s" % (kind, tr.name) for kind in STEP_KINDS)
        if not any(want(k) for k in keys):
            continue
        hyps = [ax, inv()]
        u.reseed(10 + i)
        guard, n = tr.fn(m, s, t, Choices(u, tr.name))
        hyps.append(guard)
        if want(keys[0]):
            # The frame: a conjunct that reads only fields the step leaves as they were (the
            # same Z3 terms) is, after the step, the conjunct assumed before it; only the
            # others are goals.
            changed = {k for k in s.f if n.f[k] is not s.f[k]}
            goals = [(g, f) for g, f in conjuncts(m, n) if deps[g] & changed]
            obs.append(Obligation(keys[0], "step %s preserves the invariant" % tr.name, hyps,
                                  goals, s, n, t, tr.name))
        if want(keys[1]):
            obs.append(Obligation(keys[1], "step %s acquires only above held locks" % tr.name,
                                  hyps, [("acquired above held", newly_acquired_above_held(
                                      m, s, n, t))], s, n, t, tr.name))
        if want(keys[2]):
            obs.append(Obligation(keys[2], "step %s keeps scans two-phase" % tr.name, hyps,
                                  two_phase(m, s, n, t), s, n, t, tr.name))
        if want(keys[3]):
            obs.append(Obligation(keys[3], "step %s only raises a delete's write level" % tr.name,
                                  hyps, write_level_rises(m, s, n, t), s, n, t, tr.name))

    def pend(w: z3.ExprRef) -> z3.BoolRef:
        return s.pc[w] == PC["PEND"]
    u.reseed(1000)
    if want(TAIL_KEYS[0]):
        obs.append(Obligation(TAIL_KEYS[0],
                              "every wait-for edge strictly increases the awaited (node, mode)",
                              [ax, inv(), m.waits_for(s, t, v), pend(v)],
                              [("rank increases", rank_lt(m, s, t, v))], s))
    if want(TAIL_KEYS[1]):
        to_unfinished = u.any_t(lambda w: z3.And(m.waits_for(s, t, w), s.pc[w] != PC["DONE"],
                                                 s.pc[w] != PC["START"]))
        obs.append(Obligation(TAIL_KEYS[1],
                              "a blocked thread waits for an unfinished thread",
                              [ax, inv(), m.blocked(s, t)], [("edge to unfinished", to_unfinished)],
                              s))
    if want(TAIL_KEYS[2]):
        # The last step is the classic argument, over relations W (waits_for), B (blocked) and R
        # (rank_lt) of which it assumes only what the two lemmas above proved about the model's
        # relations, that blocked threads are pending (by definition), and finiteness: among
        # finitely many pending threads one has a maximal rank (the rank order is a strict order
        # on (level, position, mode) values). Valid for any such W, B, R, it holds for the model's.
        a, b, tm = z3.Consts("a b tm", u.T)
        W = z3.Function("waits_for", u.T, u.T, z3.BoolSort())
        B = z3.Function("blocked", u.T, z3.BoolSort())
        R = z3.Function("rank_lt", u.T, u.T, z3.BoolSort())
        lemma_rank = z3.ForAll([a, b], z3.Implies(z3.And(W(a, b), pend(b)), R(a, b)))
        lemma_edge = z3.ForAll([a], z3.Implies(B(a), z3.Exists([b], z3.And(
            W(a, b), s.pc[b] != PC["DONE"]))))
        blocked_pending = z3.ForAll([a], z3.Implies(B(a), pend(a)))
        finite = z3.And(pend(tm), z3.ForAll([b], z3.Implies(pend(b), z3.Not(R(tm, b)))))
        deadlock = z3.And(z3.Exists([a], s.pc[a] != PC["DONE"]),
                          z3.ForAll([a], z3.Or(s.pc[a] == PC["DONE"], B(a))))
        obs.append(Obligation(
            TAIL_KEYS[2],
            "no deadlock: with finitely many threads a maximal-rank pending thread can proceed",
            [lemma_rank, lemma_edge, blocked_pending, finite], [("no deadlock", z3.Not(deadlock))],
            s))
    if want(TAIL_KEYS[3]):
        obs.append(Obligation(
            TAIL_KEYS[3],
            "no thread holds or waits for a freed node (immediate reclamation is safe)",
            [ax, inv()], [("nothing freed is held", z3.Not(m.uses_freed(s)))], s))
    return obs


def two_phase(m: Model, s: State, n: State, t: z3.ExprRef) -> List[Tuple[str, z3.BoolRef]]:
    """The scan's two-phase discipline across one step of t (scan.c's linearizability argument):
    in its range phase a scan releases only at FIN; at FIN it acquires nothing and only goes on to
    DONE; and the step that takes it to FIN leaves it holding its whole range (range_held)."""
    u = m.u
    rng = in_range_phase(m, s, t)
    fin = s.pc[t] == PC["FIN"]
    released = u.any_n(lambda a: z3.And(m.held(s, t, a), z3.Not(m.held(n, t, a))))
    acquired = u.any_n(lambda a: z3.And(z3.Not(m.held(s, t, a)), m.held(n, t, a)))
    return [
        ("a scan releases in its range only at FIN", z3.Implies(z3.And(rng, released), fin)),
        ("FIN acquires nothing", z3.Implies(z3.And(rng, fin), z3.And(
            z3.Not(acquired), z3.Or(n.pc[t] == PC["FIN"], n.pc[t] == PC["DONE"])))),
        ("at FIN the scan holds its whole range", z3.Implies(
            z3.And(rng, z3.Not(fin), n.pc[t] == PC["FIN"]), range_held(m, n, t))),
    ]


_FIELDS: Dict[Optional[str], Dict[str, Set[str]]] = {}


def _conjunct_fields(variant: Optional[str]) -> Dict[str, Set[str]]:
    """Which state fields each invariant conjunct reads: conjunct j reads field k iff its formula
    changes when k alone is replaced by a fresh array (both built with the same fresh names).
    Worked out once per variant in an unbounded universe of its own (the text is the same in
    every universe)."""
    if variant in _FIELDS:
        return _FIELDS[variant]
    u = Universe()
    m = Model(u, variant)
    s = State.fresh(u, "frame")
    u.reseed(3)
    base = conjuncts(m, s)
    out: Dict[str, Set[str]] = {name: set() for name, _ in base}
    for k in s.f:
        other = s.with_(**{k: State.fresh(u, "frame." + k).f[k]})
        u.reseed(3)
        for (name, f), (_, g) in zip(base, conjuncts(m, other)):
            if not f.eq(g):
                out[name].add(k)
    _FIELDS[variant] = out
    return out


def write_level_rises(m: Model, s: State, n: State, t: z3.ExprRef) -> List[Tuple[str, z3.BoolRef]]:
    """A bound on delete's restarts: its write level t never goes down, and every restart (a
    re-descent after meeting k on a read level) raises it strictly. Levels are finitely many in
    every state (core_c: at most BSKIP_MAX_LEVELS = 32), so a delete makes at most that many
    passes — though a concurrent put can raise the top while it runs."""
    dele = m.op(t) == DELETE
    restart = z3.And(s.pc[t] != PC["RESTART"], n.pc[t] == PC["RESTART"])
    return [
        ("a delete's write level never goes down", z3.Implies(dele, n.lim[t] >= s.lim[t])),
        ("a restart raises it", z3.Implies(z3.And(dele, restart), n.lim[t] > s.lim[t])),
    ]


def obligations(variant: Optional[str] = None,
                only: Optional[Collection[str]] = None) -> List[Tuple[str, Callable[[], ProofResult]]]:
    """Every proof obligation (or those keyed in `only`) as (key, thunk), in the order `prove`
    runs them."""
    def thunk(ob: Obligation) -> Callable[[], ProofResult]:
        return lambda: _check(ob, variant, TIMEOUT_MS)
    return [(ob.key, thunk(ob)) for ob in build(Universe(), variant, only)]


def prove(variant: Optional[str] = None, *, part: Tuple[int, int] = (0, 1),
          progress: Optional[Callable[[int, int], None]] = None) -> List[ProofResult]:
    """Runs every obligation; returns one ProofResult each (all proved for variant None).

    :param part: (k, n): only the obligations whose index i has i % n == k, so that n processes
        can share the proof (`pybskip verify` does); the parts together are the whole proof.
    :param progress: called as progress(done, total) after each obligation of this part.
    """
    k, n = part
    if not (n >= 1 and 0 <= k < n):
        raise ValueError("part must be (k, n) with 0 <= k < n, not %r" % (part,))
    # only this part's obligations are built (building is a sizeable share of a part's time)
    keys = {key for i, key in enumerate(obligation_keys(variant)) if i % n == k}
    mine = [thunk for _, thunk in obligations(variant, keys)]
    results: List[ProofResult] = []
    for thunk in mine:
        results.append(thunk())
        if progress is not None:
            progress(len(results), len(mine))
    return results

