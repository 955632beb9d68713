"""bounded.py — bounded model checking of the protocol model with Z3, and readable traces.

A bounded instance has a few threads, a few nodes (heads N0..N{L} for levels 0..L, the others any
level, live or not yet created) and a depth K: Z3 searches every interleaving of K steps (a step
may also stutter, so "reachable in K steps" means "within K"), every initial shape over those nodes
and every assignment of operations to threads (unless the caller fixes them). The same Model and
transitions as the unbounded proof are used, with quantifiers expanded over the finite sorts.
Invariant: a Trace is built only from a Z3 model of the query, and replays it step by step.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import z3

from .invariants import shape
from .model import Model
from .state import State
from .universe import (ALIVE, DELETE, FREED, GET, NONE, OP_NAMES, PUT, SCAN, UNBORN, Choices,
                       FiniteArray, Universe, cell_key)

STUTTER = "stutter"
OPS = {"get": GET, "put": PUT, "delete": DELETE, "scan": SCAN}


@dataclass
class Trace:
    """A concrete run of the bounded model: one line per step, then what the final state shows."""
    steps: List[str] = field(default_factory=list)
    final: List[str] = field(default_factory=list)

    def lines(self) -> List[str]:
        return ["  %2d. %s" % (i + 1, s) for i, s in enumerate(self.steps)] + \
            ["  => " + f for f in self.final]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass
class BoundedResult:
    """Outcome of one bounded query: `found` is True when the target is reachable (then `trace`
    shows how), False when Z3 proved it unreachable within `depth` steps (or gave up: `unknown`)."""
    name: str
    found: bool
    seconds: float
    depth: int
    trace: Optional[Trace] = None
    unknown: bool = False


@dataclass(frozen=True)
class Scene:
    """A concrete bounded instance. Node i has level levels[i] and position pos[i] (position 0
    marks the head of its level); `alive` False means not created yet (a spare for splits);
    nxt and par give the right links and parent entries; ops[t] is thread t's operation."""
    levels: Tuple[int, ...]
    pos: Tuple[int, ...]
    alive: Tuple[bool, ...]
    nxt: Dict[int, int]
    par: Dict[int, int]
    ops: Tuple[str, ...]
    lims: Optional[Tuple[int, ...]] = None  # initial lim per thread (a delete's write level)

    def describe(self) -> str:
        names = ["head%d" % lv if p == 0 else "N%d(L%d,p%d)" % (i, lv, p)
                 for i, (lv, p) in enumerate(zip(self.levels, self.pos))]
        rows = []
        for lv in sorted(set(self.levels), reverse=True):
            chain, i = [], self.levels.index(lv)
            while True:
                chain.append(names[i])
                if i not in self.nxt:
                    break
                i = self.nxt[i]
            rows.append("L%d: %s" % (lv, " -> ".join(chain)))
        spare = [names[i] for i, a in enumerate(self.alive) if not a]
        downs = ", ".join("%s->%s" % (names[p], names[c]) for c, p in sorted(self.par.items()))
        return "; ".join(rows) + (" | down: " + downs if downs else "") + \
            (" | spare: " + ", ".join(spare) if spare else "") + \
            " | threads: " + ", ".join("T%d %s" % x for x in enumerate(self.ops))


class Bmc:
    """The model unrolled in a Scene, one step at a time (all interleavings, all choices)."""

    def __init__(self, scene: Scene, variant: Optional[str] = None) -> None:
        self.scene = scene
        self.u = u = Universe(threads=len(scene.ops), nodes=len(scene.levels),
                              max_level=max(scene.levels))
        def cells(vals: Sequence[Any], mk: Callable[[Any], z3.ExprRef]) -> FiniteArray:
            return FiniteArray((u.nodes,), {cell_key((n,)): mk(v) for n, v in zip(u.nodes, vals)})

        def bv(v: int) -> z3.ExprRef:
            return z3.BitVecVal(v, u.int_sort.size())
        lvl = cells(scene.levels, bv)
        pos = cells(scene.pos, bv)
        head = cells([p == 0 for p in scene.pos], z3.BoolVal)
        ops = FiniteArray((u.threads,), {cell_key((t,)): OPS[o] for t, o in zip(u.threads, scene.ops)})
        self.m = m = Model(u, variant, statics={"lvl": lvl.__getitem__, "pos": pos.__getitem__,
                                                "ishead": head.__getitem__, "op": ops.__getitem__})
        self.states = [State.fresh(u, "s0")]
        self.selects: List[List[z3.BoolRef]] = []
        self.pairs: List[List[Tuple[z3.ExprRef, str]]] = []
        s0 = self.states[0]
        cs: List[z3.BoolRef] = [m.initial(s0)]
        for i, n in enumerate(u.nodes):
            cs += [s0.st[n] == (ALIVE if scene.alive[i] else UNBORN),
                   s0.hasn[n] == (i in scene.nxt), s0.hasp[n] == (i in scene.par)]
            if i in scene.nxt:
                cs.append(s0.nxt[n] == u.nodes[scene.nxt[i]])
            if i in scene.par:
                cs.append(s0.par[n] == u.nodes[scene.par[i]])
        for t, lim in zip(u.threads, scene.lims or (0,) * len(u.threads)):
            cs.append(s0.lim[t] == lim)
        cs += [f for _, f in shape(m, s0)]  # a malformed scene makes every query unsat
        self.init = cs
        self.steps: List[z3.BoolRef] = []

    def search(self, name: str, target: Callable[[Model, State], z3.BoolRef], depth: int,
               timeout_ms: int = 300000, taking: Sequence[str] = ()) -> BoundedResult:
        """Is a state satisfying target reachable within `depth` steps? (A step may stutter, so
        one query at the full depth covers every shorter run; Z3's non-incremental solver is much
        faster here than deepening one step at a time.) `taking`: transition names the run must
        take, each at least once (to show that a step is reachable at all)."""
        while len(self.states) <= depth:
            k = len(self.states) - 1
            self.states.append(State.fresh(self.u, "s%d" % (k + 1)))
            self.steps.append(self._step(k))
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        solver.add(*self.init)
        solver.add(*self.steps[:depth])
        solver.add(target(self.m, self.states[depth]))
        for label in taking:
            solver.add(z3.Or([sel for k in range(depth)
                              for sel, (_, lab) in zip(self.selects[k], self.pairs[k])
                              if lab == label]))
        t0 = time.perf_counter()
        r = solver.check()
        dt = time.perf_counter() - t0
        if r == z3.sat:
            return BoundedResult(name, True, dt, depth, _narrate(self, solver.model(), depth))
        return BoundedResult(name, False, dt, depth, unknown=(r == z3.unknown))

    def _step(self, k: int) -> z3.BoolRef:
        """Step k: one (thread, transition) pair, or a stutter. The thread is concrete in each
        alternative (reads of its registers are then plain cells); the next state is one
        if-then-else per cell over the alternatives that change it."""
        u, m = self.u, self.m
        s, n = self.states[k], self.states[k + 1]
        alts: List[z3.BoolRef] = []
        nexts: List[State] = []
        pairs: List[Tuple[z3.ExprRef, str]] = []
        for t in u.threads:
            for tr in m.transitions:
                guard, nxt = tr.fn(m, s, t, Choices(u, "k%d.%s.%s" % (k, t, tr.name)))
                guard = z3.simplify(guard)
                if z3.is_false(guard):  # e.g. a put step of a thread whose op is get
                    continue
                alts.append(guard)
                nexts.append(nxt)
                pairs.append((t, tr.name))
        self.pairs.append(pairs)
        sel = [z3.Bool("sel%d.%d" % (k, i)) for i in range(len(alts))]
        self.selects.append(sel)
        cs = [z3.PbLe([(x, 1) for x in sel], 1)]
        cs += [z3.Implies(x, g) for x, g in zip(sel, alts)]
        for fname, arr in s.f.items():
            for key in arr.keys():
                cur = arr.cell(key)
                expr = cur
                for i, nx in enumerate(nexts):
                    v = nx.f[fname].cell(key)
                    if not v.eq(cur):
                        expr = z3.If(sel[i], v, expr)
                cs.append(n.f[fname].cell(key) == expr)
        return z3.And(cs)


# ---- narration ---------------------------------------------------------------------------------

def _node_namer(b: Bmc, mod: z3.ModelRef) -> Callable[[z3.ExprRef], str]:
    m = b.m

    def name(n: z3.ExprRef) -> str:
        n = mod.eval(n, model_completion=True)
        lvl = mod.eval(m.lvl(n), model_completion=True).as_long()
        if z3.is_true(mod.eval(m.ishead(n), model_completion=True)):
            return "head%d" % lvl
        return "%s(L%d,p%s)" % (n, lvl, mod.eval(m.pos(n), model_completion=True))
    return name


def _val(mod: z3.ModelRef, e: z3.ExprRef) -> str:
    return str(mod.eval(e, model_completion=True))


def _narrate(b: Bmc, mod: z3.ModelRef, depth: int) -> Trace:
    u, m = b.u, b.m
    nm = _node_namer(b, mod)
    op_of = {str(t): OP_NAMES[_val(mod, m.op(t))] for t in u.threads}
    trace = Trace()
    for k in range(depth):
        chosen = [i for i, x in enumerate(b.selects[k]) if z3.is_true(mod.eval(x))]
        if not chosen:
            continue
        i = chosen[0]
        t, label = b.pairs[k][i]
        s, n = b.states[k], b.states[k + 1]
        who = "%s (%s)" % (t, op_of[str(t)])
        events = []
        for node in u.nodes:
            before, after = _val(mod, s.hold[t, node]), _val(mod, n.hold[t, node])
            st0, st1 = _val(mod, s.st[node]), _val(mod, n.st[node])
            if st0 == str(UNBORN) and st1 == str(ALIVE):
                events.append("creates %s, W-locked" % nm(node))
            elif before == str(NONE) and after != str(NONE):
                events.append("acquires %s on %s" % (after, nm(node)))
            elif before != str(NONE) and after == str(NONE):
                events.append("releases %s on %s" % (before, nm(node)))
            if st0 == str(ALIVE) and st1 == str(FREED):
                events.append("unlinks and frees %s" % nm(node))
            if _val(mod, s.hasp[node]) == "True" and _val(mod, n.hasp[node]) == "False":
                events.append("removes the entry pointing down to %s" % nm(node))
        if _val(mod, n.pc[t]) == "PEND" and _val(mod, s.pc[t]) != "PEND":
            events.append("requests %s on %s" % (_val(mod, n.reqm[t]), nm(n.req[t])))
        trace.steps.append("%s %s: %s" % (who, label, "; ".join(events) or "(no lock change)"))
    trace.final = _describe_final(b, mod, nm, b.states[depth])
    return trace


def _describe_final(b: Bmc, mod: z3.ModelRef, nm: Callable[[z3.ExprRef], str],
                    s: State) -> List[str]:
    u, m = b.u, b.m
    out = []
    for t in u.threads:
        pc = _val(mod, s.pc[t])
        held = ["%s %s" % (_val(mod, s.hold[t, n]), nm(n)) for n in u.nodes
                if _val(mod, s.hold[t, n]) != str(NONE)]
        line = "%s at %s holding [%s]" % (t, pc, ", ".join(held))
        if pc == "PEND":
            req = s.req[t]
            blockers = [str(v) for v in u.threads
                        if z3.is_true(mod.eval(m.waits_for(s, t, v), model_completion=True))]
            line += ", waits for %s on %s%s" % (
                _val(mod, s.reqm[t]), nm(req),
                (" (blocked by %s)" % ", ".join(blockers)) if blockers else "")
        for n in u.nodes:
            if _val(mod, s.st[n]) == str(FREED) and _val(mod, s.hold[t, n]) != str(NONE):
                line += "; holds the lock of FREED node %s (use after free)" % nm(n)
        out.append(line)
    return out

