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
              blocked. Hence no state satisfying the invariant is a deadlock.
Invariant: a ProofResult is `proved` only when Z3 answered unsat for the negated obligation
(sat or unknown both count as not proved).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import z3

from .invariants import conjuncts, invariant, shape, newly_acquired_above_held, rank_lt
from .model import Model, Transition
from .state import State
from .universe import PC, Choices, Universe


@dataclass
class ProofResult:
    """One proof obligation: its name, whether Z3 proved it, the solver time, and (if not proved)
    what went wrong."""
    name: str
    proved: bool
    seconds: float
    counterexample: Optional[str] = None

    def describe(self) -> str:
        head = "%-60s %s  %6.3fs" % (self.name, "proved" if self.proved else "NOT PROVED",
                                      self.seconds)
        return head if self.proved else head + "\n    " + (self.counterexample or "")


def _check(name: str, hyps: List[z3.BoolRef], goal: z3.BoolRef,
           explain: Optional[Callable[[z3.ModelRef], str]] = None,
           timeout_ms: int = 60000) -> ProofResult:
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*hyps)
    solver.add(z3.Not(goal))
    t0 = time.perf_counter()
    r = solver.check()
    dt = time.perf_counter() - t0
    if r == z3.unsat:
        return ProofResult(name, True, dt)
    if r == z3.sat:
        why = explain(solver.model()) if explain else "Z3 found a counterexample"
        return ProofResult(name, False, dt, why)
    return ProofResult(name, False, dt, "Z3 answered unknown (%s)" % solver.reason_unknown())


def _check_conjuncts(name: str, hyps: List[z3.BoolRef], goals: List[Tuple[str, z3.BoolRef]],
                     timeout_ms: int = 60000) -> ProofResult:
    """Proves every goal under the same hypotheses, one query each (push/pop); the first goal
    not proved is named in the counterexample."""
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*hyps)
    total = 0.0
    for goal_name, goal in goals:
        solver.push()
        solver.add(z3.Not(goal))
        t0 = time.perf_counter()
        r = solver.check()
        total += time.perf_counter() - t0
        if r != z3.unsat:
            why = ("Z3 answered unknown (%s)" % solver.reason_unknown()) if r == z3.unknown \
                else "counterexample to induction"
            return ProofResult(name, False, total, "%s: '%s' broken after the step"
                               % (why, goal_name))
        solver.pop()
    return ProofResult(name, True, total)


def obligations(variant: Optional[str] = None) -> List[Tuple[str, Callable[[], ProofResult]]]:
    """Every proof obligation as (name, thunk), in the order `prove` runs them."""
    u = Universe()
    m = Model(u, variant)
    s = State.fresh(u, "s")
    inv = invariant(m, s)
    ax = m.axioms()
    t, v = z3.Const("t", u.T), z3.Const("v", u.T)
    obs: List[Tuple[str, Callable[[], ProofResult]]] = []

    def init() -> ProofResult:
        return _check_conjuncts("init: the invariant holds in every initial state",
                                [ax, m.initial(s)] + [f for _, f in shape(m, s)],
                                conjuncts(m, s))
    obs.append(("init", init))
    for tr in m.transitions:
        def step(tr: Transition = tr) -> ProofResult:
            guard, n = tr.fn(m, s, t, Choices(u, tr.name))
            return _check_conjuncts("step %s preserves the invariant" % tr.name,
                                    [ax, inv, guard], conjuncts(m, n))

        def order(tr: Transition = tr) -> ProofResult:
            guard, n = tr.fn(m, s, t, Choices(u, tr.name))
            return _check("step %s acquires only above held locks" % tr.name, [ax, inv, guard],
                          newly_acquired_above_held(m, s, n, t))
        obs.append(("step " + tr.name, step))
        obs.append(("order " + tr.name, order))

    def pend(w: z3.ExprRef) -> z3.BoolRef:
        return s.pc[w] == PC["PEND"]
    edge_up = m.waits_for(s, t, v)
    obs.append(("wait-for edges increase rank", lambda: _check(
        "every wait-for edge strictly increases the awaited (node, mode)",
        [ax, inv, edge_up, pend(v)], rank_lt(m, s, t, v))))
    to_unfinished = u.any_t(lambda w: z3.And(m.waits_for(s, t, w), s.pc[w] != PC["DONE"],
                                             s.pc[w] != PC["START"]))
    obs.append(("blocked means an edge", lambda: _check(
        "a blocked thread waits for an unfinished thread", [ax, inv, m.blocked(s, t)],
        to_unfinished)))
    # The last step is the classic argument, over relations W (waits_for), B (blocked) and R
    # (rank_lt) of which it assumes only what the two lemmas above proved about the model's
    # relations, that blocked threads are pending (by definition), and finiteness: among
    # finitely many pending threads one has a maximal rank (the rank order is a strict order on
    # (level, position, mode) values). Being valid for any such W, B, R it holds for the model's.
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
    obs.append(("no deadlock", lambda: _check(
        "no deadlock: with finitely many threads a maximal-rank pending thread can proceed",
        [lemma_rank, lemma_edge, blocked_pending, finite], z3.Not(deadlock))))
    obs.append(("no use after free", lambda: _check(
        "no thread holds or waits for a freed node (immediate reclamation is safe)",
        [ax, inv], z3.Not(m.uses_freed(s)))))
    return obs


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
    mine = [thunk for i, (_, thunk) in enumerate(obligations(variant)) if i % n == k]
    results: List[ProofResult] = []
    for thunk in mine:
        results.append(thunk())
        if progress is not None:
            progress(len(results), len(mine))
    return results

