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
              (`write_level_rises`: a bound on delete's passes);
  supply <name> that step (one that creates or frees a node) takes at most one node out of
              the unborn ones, and the allocator's supply (invariants.supply, assumed of the
              initial state) survives any such change (`supply kept`) and leaves a free place
              right of every live node (`supply gives a free place`);
  progress <pc> a thread at that pc, unfinished and not blocked on a lock, has an enabled step
              (no stuck state; with the wait-for lemmas: every waiting chain ends at a thread
              that can move).
`build(u, variant)` writes every obligation in any universe: the unbounded one here, a finite one
for the counterexample search (cti.py), which runs on every obligation not proved.
Invariant: a ProofResult is `proved` only when Z3 answered unsat for the negated obligation
(sat or unknown both count as not proved).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Collection, Dict, List, Optional, Set, Tuple, cast

import z3

from .invariants import (CHAIN, built_alone, children, conjuncts, free_place, in_range_phase,
                         newly_acquired_above_held, range_held, rank_lt, shape, supply)
from .model import Model
from .state import State
from .universe import (DELETE, GET, OP_NAMES, PC, PC_NAMES, PUT, RD, SCAN, UNBORN, Choices,
                       Universe)

if TYPE_CHECKING:
    from .cti import Cti

TIMEOUT_MS = 30000  # per goal; the real obligations take under 3 s each (about 0.1-2 s)
# (an MBQI_ONLY goal: shared among its seeds)
# Every budget here is in milliseconds of a reference machine, and Z3 enforces it as a resource
# limit (`rlimit`, counted in Z3's own deterministic work units), not as wall-clock time: the
# verdict is then the same on an idle machine and on a loaded CI runner (with wall-clock timeouts
# a loaded 2-CPU machine ran the 3 s MBQI tries out and a proof that holds came out NOT PROVED).
# RLIMIT_PER_MS: Z3 5.4's rate on the reference machine (measured over the whole proof: 3.1 M
# units per second, single tries 2.0-4.9 M/s). WALL_SLACK: a wall-clock backstop, so that a
# try can never hang; it ends a try only on a machine that many times slower than the reference.
RLIMIT_PER_MS = 3000
WALL_SLACK = 20
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
    # hypotheses only some goals get (goal name -> more hypotheses): a conjunct whose
    # instantiation feeds itself (invariants.CHAIN) is assumed only where it is needed. Assuming
    # less is sound: a goal proved from fewer hypotheses is proved.
    extra: Dict[str, List[z3.BoolRef]] = field(default_factory=dict)
    # case splits for an MBQI_ONLY goal (goal name -> partitions, each given by its first cases;
    # its last case is "none of those", so a partition is exhaustive by construction): when one
    # short try does not prove the goal, it is proved case by case (`_mbqi_split`).
    splits: Dict[str, List[List[z3.BoolRef]]] = field(default_factory=dict)


# Goals Z3 proves by model-based quantifier instantiation alone: with E-matching on, the CHAIN
# conjunct and the existential choices of an enabledness query send it down endless chains of
# instances (measured: step grant's "upper nodes have a child" unknown after 30 s with it, unsat
# in 0.2 s without).
OPS = (GET, PUT, DELETE, SCAN)


def _enabled_goal(op: z3.ExprRef, held: str) -> str:
    return "some step enabled: %s, x held %s" % (OP_NAMES[str(op)],
                                                 "R" if held == "R" else "W or none")


MBQI_ONLY = set(CHAIN) | {_enabled_goal(op, h) for op in OPS for h in "RW"} | {
    "an unborn node between any two", "an unborn node right of any"}


# MBQI's time to unsat depends heavily on its random seed, with a long tail (measured on one
# goal: 0.25 s with seed 0, 12 s with seed 2, unknown after 30 s with seeds 1 and 3): short tries
# with many seeds first, then longer ones (a restart schedule). (seed, share of the timeout)
MBQI_SCHEDULE = tuple((seed, 0.1) for seed in range(8)) + tuple((seed, 0.4) for seed in range(3))


def solver_for(goal_name: str, timeout_ms: int, seed: int = 0) -> z3.Solver:
    """A solver configured for that goal (MBQI_ONLY: no E-matching, the given random seed),
    each check limited to timeout_ms reference milliseconds of Z3 work (RLIMIT_PER_MS)."""
    solver = z3.Solver()
    solver.set("rlimit", timeout_ms * RLIMIT_PER_MS)
    solver.set("timeout", timeout_ms * WALL_SLACK)
    if goal_name in MBQI_ONLY:
        solver.set("smt.ematching", False)
        solver.set("smt.random_seed", seed)
    return solver


def _mbqi_check(hyps: List[z3.BoolRef], goal_name: str, negated: z3.BoolRef,
                timeout_ms: int) -> Tuple[z3.CheckSatResult, z3.Solver]:
    """Checks hyps + negated goal by MBQI_SCHEDULE (each seed with its share of the timeout)
    until one try answers sat or unsat."""
    solver = None
    for seed, share in MBQI_SCHEDULE:
        solver = solver_for(goal_name, max(1000, int(timeout_ms * share)), seed)
        solver.add(*hyps)
        solver.add(negated)
        r = solver.check()
        if r != z3.unknown:
            return r, solver
    assert solver is not None
    return z3.unknown, solver


SPLIT_FIRST_MS = 300  # the one try a goal gets before it is split into cases


def _mbqi_split(hyps: List[z3.BoolRef], goal_name: str, goal: z3.BoolRef,
                splits: List[List[z3.BoolRef]],
                timeout_ms: int) -> Tuple[z3.CheckSatResult, z3.Solver]:
    """Proves goal from hyps (MBQI): with splits left, one short try, then each case c of the
    first partition as `c implies goal` with the other partitions (the cases cover every state,
    so all of them proved is the goal proved); without, by MBQI_SCHEDULE. Returns unsat when
    proved, else the first answer that is not unsat and its solver."""
    if not splits:
        return _mbqi_check(hyps, goal_name, z3.Not(goal), timeout_ms)
    solver = solver_for(goal_name, SPLIT_FIRST_MS, 0)
    solver.add(*hyps)
    solver.add(z3.Not(goal))
    r = solver.check()
    if r != z3.unknown:
        return r, solver
    first = splits[0]
    for case in first + [z3.Not(z3.Or(first))]:
        r, solver = _mbqi_split(hyps, goal_name, z3.Implies(case, goal), splits[1:], timeout_ms)
        if r != z3.unsat:
            return r, solver
    return z3.unsat, solver


def _solve(ob: Obligation, timeout_ms: int) -> Tuple[Optional[str], float, str]:
    """(first goal not proved or None, solver seconds, why not: Z3's answer and reason)."""
    shared: Optional[z3.Solver] = None
    total = 0.0
    for goal_name, goal in ob.goals:
        if goal_name in MBQI_ONLY:  # solvers of its own (what one MBQI query leaves slows the next)
            t0 = time.perf_counter()
            r, solver = _mbqi_split(ob.hyps + ob.extra.get(goal_name, []), goal_name, goal,
                                    ob.splits.get(goal_name, []), timeout_ms)
            total += time.perf_counter() - t0
            if r != z3.unsat:
                why = ("Z3 answered unknown (%s, %d tries with seeds)" % (
                    solver.reason_unknown(), len(MBQI_SCHEDULE))
                    if r == z3.unknown else "Z3 found a counterexample")
                return goal_name, total, why
            continue
        else:
            if shared is None:
                shared = solver_for(goal_name, timeout_ms)
                shared.add(*ob.hyps)
            solver = shared
        solver.push()
        solver.add(*ob.extra.get(goal_name, []))
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
PROGRESS_PCS = tuple(p for p in PC_NAMES if p != "DONE")
FREE_PLACE_KEY = "supply gives a free place"
SUPPLY_KEPT_KEY = "supply kept"
BUILT_ALONE_KEY = "a node being built is held by its builder alone"


def one_born(m: Model, s: State, n: State) -> z3.BoolRef:
    """At most one node is unborn in s and not in n."""
    u = m.u
    return u.all_n(lambda a: u.all_n(lambda b: z3.Implies(
        z3.And(s.st[a] == UNBORN, s.st[b] == UNBORN, n.st[a] != UNBORN, n.st[b] != UNBORN),
        a == b)))


def _supply_steps(m: Model) -> List[str]:
    """The steps that change a node's status: creating one (UNBORN -> ALIVE), unlinking one."""
    return [tr.name for tr in m.transitions if tr.acquires or tr.name == "del_n_unlink"]


def obligation_keys(variant: Optional[str] = None) -> List[str]:
    """The keys of every obligation, in build's order, without building any (cheap)."""
    m = Model(Universe(), variant)
    names = [tr.name for tr in m.transitions]
    return ["init"] + ["%s %s" % (kind, n) for n in names for kind in STEP_KINDS] + \
        list(TAIL_KEYS) + ["supply %s" % n for n in _supply_steps(m)] + \
        [SUPPLY_KEPT_KEY, FREE_PLACE_KEY, BUILT_ALONE_KEY] + \
        ["progress %s" % p for p in PROGRESS_PCS]


class _Witnesses(Choices):
    """Choices for an enabledness query: the node, integer and boolean choices are recorded (the
    query asks for *some* value of them), and entry moves are "none move" (the one choice every
    step that progress needs can take: nothing leaves a node)."""

    def __init__(self, u: Universe, prefix: str) -> None:
        super().__init__(u, prefix)
        self.consts: List[z3.ExprRef] = []

    def node(self, name: str) -> z3.ExprRef:
        c = super().node(name)
        self.consts.append(c)
        return c

    def int(self, name: str) -> z3.ArithRef:
        c = super().int(name)
        self.consts.append(c)
        return c

    def bool(self, name: str) -> z3.BoolRef:
        c = super().bool(name)
        self.consts.append(c)
        return c

    def pred(self, name: str) -> z3.FuncDeclRef:
        return cast(z3.FuncDeclRef, lambda c: z3.BoolVal(False))


def _progress_splits(m: Model, s: State, t: z3.ExprRef, op: z3.ExprRef,
                     pc: str) -> List[List[z3.BoolRef]]:
    """The cases an enabledness goal of `op` is split into when it is slow: x's level against the
    level where a put places k (lim - 1) or a delete starts writing (lim); then x has a
    successor, else is at level 0, else a head, else an upper node with entries (measured: put at
    LOOP, x held W, unknown after 10 s with five seeds as one goal, every case under 0.4 s)."""
    x = s.x[t]
    if pc in ("OVF", "S1", "S2", "S3", "S4", "RD"):  # steps that go down (or end at level 0)
        return [[m.lvl(x) == 0, m.ishead(x)], [s.xm[t] == RD]]
    kind = [s.hasn[x], z3.And(z3.Not(s.hasn[x]), m.lvl(x) == 0),
            z3.And(z3.Not(s.hasn[x]), m.lvl(x) != 0, m.ishead(x))]
    if op.eq(PUT) or op.eq(DELETE):
        at = s.lim[t] - 1 if op.eq(PUT) else s.lim[t]
        return [[m.lvl(x) < at, m.lvl(x) == at], kind]
    return [kind]


Guards = List[Tuple[List[z3.ExprRef], z3.BoolRef]]


def step_guards(m: Model, s: State, t: z3.ExprRef) -> Guards:
    """Every transition's guard for thread t in s, with the data it chooses (its choices):
    built once, then specialised per pc and operation by `enabled`."""
    out = []
    for tr in m.transitions:
        ch = _Witnesses(m.u, "en." + tr.name)
        guard, _ = tr.fn(m, s, t, ch)
        out.append((ch.consts, guard))
    return out


def enabled(m: Model, s: State, t: z3.ExprRef, pc: str, op: z3.ExprRef,
            guards: Optional[Guards] = None) -> z3.BoolRef:
    """Some step of thread t, at `pc` and running `op`, can be taken in s (for some choice of its
    data). Each guard is given t's pc and operation (most are then false, and left out).
    `guards`: step_guards(m, s, t), when already built."""
    out = []
    for consts, guard in guards if guards is not None else step_guards(m, s, t):
        guard = z3.substitute(guard, (s.pc[t], PC[pc]), (m.op(t), op))
        if z3.is_false(z3.simplify(guard)):
            continue  # (the simplified form is only tested: its argument order follows Z3's term
            # ids, which differ from one build to the next, and mutants.py compares terms)
        out.append(z3.Exists(consts, guard) if consts else guard)
    return z3.Or(out)


def build(u: Universe, variant: Optional[str] = None,
          only: Optional[Collection[str]] = None) -> List[Obligation]:
    """Every proof obligation in universe u (unbounded for the proof, finite for a counterexample
    search), in the order `prove` runs them (obligation_keys); `only`: just those keys."""
    m = Model(u, variant)
    s = State.fresh(u, "s")
    u.reseed(0)
    ax = m.axioms()
    t, v = z3.Const("t", u.T), z3.Const("v", u.T)
    pre_cache: List[List[Tuple[str, z3.BoolRef]]] = []

    def pre() -> List[Tuple[str, z3.BoolRef]]:
        """The invariant's conjuncts in s (built once: building them is most of build's time)."""
        if not pre_cache:
            u.reseed(1)
            pre_cache.append(conjuncts(m, s))
        return pre_cache[0]

    def inv() -> z3.BoolRef:
        """The invariant but for its CHAIN conjuncts (assumed per goal, `chain`)."""
        return z3.And([f for g, f in pre() if g not in CHAIN])

    def chain() -> List[z3.BoolRef]:
        return [f for g, f in pre() if g in CHAIN]
    obs: List[Obligation] = []
    deps = _conjunct_fields(variant)

    if isinstance(only, str):
        only = {only}

    def want(key: str) -> bool:
        return only is None or key in only

    if want("init"):
        u.reseed(2)
        obs.append(Obligation("init", "init: the invariant holds in every initial state",
                              [ax, m.initial(s)] + [f for _, f in shape(m, s)] +
                              [f for _, f in children(m, s)], conjuncts(m, s), s))
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
                                  goals, s, n, t, tr.name,
                                  {g: chain() for g, _ in goals if g in CHAIN}))
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
    # Progress. The allocator's supply (invariants.supply: an assumption on the initial state)
    # is preserved by the steps that change a node's status, and gives every live node a free
    # place on its right; then no thread is stuck: an unfinished thread that is not blocked on a
    # lock has an enabled step. With the wait-for edges (a blocked thread waits for an unfinished
    # thread of strictly greater rank), every blocked thread's chain of waits ends, among
    # finitely many threads, at a thread that can take a step.
    u.reseed(2000)
    sup = [f for _, f in supply(m, s)]
    for i, name in enumerate(_supply_steps(m)):
        if not want("supply " + name):
            continue
        tr = next(x for x in m.transitions if x.name == name)
        u.reseed(2001 + i)
        guard, n = tr.fn(m, s, t, Choices(u, "sup." + name))
        obs.append(Obligation("supply " + name, "step %s takes at most one node out of the "
                              "allocator's supply" % name, [ax, inv(), guard],
                              [("at most one node born", one_born(m, s, n))], s, n, t, name))
    u.reseed(2090)
    if want(SUPPLY_KEPT_KEY):  # any two states: what a step changes of a node's status
        nxt = State.fresh(u, "born")
        obs.append(Obligation(SUPPLY_KEPT_KEY, "the supply survives a step that takes at most one "
                              "node out of it", sup + [one_born(m, s, nxt)], supply(m, nxt), s,
                              nxt))
    u.reseed(2100)
    if want(FREE_PLACE_KEY):
        obs.append(Obligation(FREE_PLACE_KEY, "the supply leaves a free place right of every "
                              "live node", [ax, inv()] + sup,
                              [("a free place right of every live node", free_place(m, s))], s))
    if want(BUILT_ALONE_KEY):
        obs.append(Obligation(BUILT_ALONE_KEY, "a node an insert is building is held by it alone",
                              [ax, inv()], [("built alone", built_alone(m, s))], s))
    guards: Optional[Guards] = None
    for i, pc in enumerate(PROGRESS_PCS):
        key = "progress " + pc
        if not want(key):
            continue
        if guards is None:
            u.reseed(2199)
            guards = step_guards(m, s, t)
        u.reseed(2200 + i)
        hyps = [ax, m.heads_below(), inv()] + chain() + [
            built_alone(m, s), free_place(m, s), s.pc[t] == PC[pc], z3.Not(m.blocked(s, t))]
        can = {str(op): enabled(m, s, t, pc, op, guards) for op in OPS}
        goals = [(_enabled_goal(op, held), z3.Implies(
            z3.And(m.op(t) == op, (s.xm[t] == RD) == (held == "R")), can[str(op)]))
            for op in OPS for held in ("R", "W")]  # by mode of x: smaller queries
        obs.append(Obligation(key, "a thread at %s not blocked on a lock has a step" % pc, hyps,
                              goals, s, None, t, splits={g: _progress_splits(m, s, t, op, pc)
                                                         for (g, _), op in zip(goals, [
                                                             op for op in OPS for _ in "RW"])}))
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

