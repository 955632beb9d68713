"""cti.py — a concrete counterexample for every obligation the unbounded proof does not discharge.

The proof's queries quantify over uninterpreted thread and node sorts and use arrays, Lambda and
integer levels: outside any decidable fragment, so on a false obligation Z3 usually answers
`unknown` after its timeout instead of producing a model. This module asks the same obligation
again — the same Model, the same invariant text, the same transition (proof.build) — in a
universe with a few threads and nodes (Universe(threads, nodes, max_level=None): finite sorts,
quantifiers expanded, levels and positions still unbounded integers). That query is
quantifier-free, hence decidable: Z3 answers sat or unsat, and a sat model is a counterexample to
induction (CTI): a concrete state satisfying the whole invariant, one step of one thread, and the
conjunct it breaks. It is printed as thread steps (`Cti.lines`).

A CTI is not necessarily reachable from an initial state: it shows that the invariant, as
written, is not inductive for that step — the proof fails there, concretely. (bounded.py and
variants.py search for reachable violations.) No CTI within the sizes tried does not prove the
obligation either: `find_cti` then returns None and the obligation stays NOT PROVED.
Invariant: a Cti is built only from a Z3 model of the query, and every line it prints is read
from that model.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

import z3

from .model import Model
from .state import State
from .universe import NONE, OP_NAMES, UNBORN, Universe


@dataclass
class Cti:
    """A counterexample to induction: the state before, the step, what it changed, and the goal
    that is false after it (or, for a state-only obligation, in the state itself)."""
    key: str
    goal: str
    threads: int
    nodes: int
    seconds: float
    before: List[str] = field(default_factory=list)
    step: str = ""
    after: List[str] = field(default_factory=list)

    def lines(self) -> List[str]:
        out = ["counterexample to induction (%d threads, %d nodes, found in %.2fs):"
               % (self.threads, self.nodes, self.seconds), "  a state satisfying the invariant:"]
        out += ["    " + b for b in self.before]
        if self.step:
            out.append("  the step: " + self.step)
            out += ["    " + a for a in self.after] or ["    (no shared change)"]
            out.append("  after it, '%s' is false" % self.goal)
        else:
            out.append("  in it, '%s' is false" % self.goal)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def find_cti(key: str, goals: Union[str, Sequence[str]], variant: Optional[str] = None,
             sizes: Optional[Sequence[Tuple[int, int]]] = None,
             timeout_ms: int = 120000) -> Optional[Cti]:
    """Searches a counterexample to induction for obligation `key` (proof.build's key, e.g.
    "step del_n_unlink"): for its goal `goals` (a name), or the first of several that has one, in
    universes of (threads, nodes) from `sizes` (default proof.CTI_SIZES), smallest first; each
    universe is built once and every goal asked in it. None if there is none within those sizes."""
    from .proof import CTI_SIZES, build

    wanted = [goals] if isinstance(goals, str) else list(goals)
    for threads, nodes in sizes or CTI_SIZES:
        u = Universe(threads=threads, nodes=nodes, max_level=None)
        obs = build(u, variant, only={key})
        if not obs:
            raise ValueError("no obligation %r" % key)
        ob = obs[0]
        by_name = dict(ob.goals)
        missing = [g for g in wanted if g not in by_name]
        if missing:
            raise ValueError("obligation %r has no goal %r" % (key, missing[0]))
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        solver.add(*ob.hyps)
        for goal in wanted:
            solver.push()
            solver.add(*ob.extra.get(goal, []))
            solver.add(z3.Not(by_name[goal]))
            t0 = time.perf_counter()
            r = solver.check()
            dt = time.perf_counter() - t0
            if r == z3.sat:
                return _narrate(Model(u, variant), solver.model(), ob.pre, ob.post, ob.t,
                                ob.step, key, goal, threads, nodes, dt)
            solver.pop()
    return None


# ---- narration -----------------------------------------------------------------------------

def _ev(mod: z3.ModelRef, e: z3.ExprRef) -> z3.ExprRef:
    return mod.eval(e, model_completion=True)


def _namer(m: Model, mod: z3.ModelRef) -> Callable[[z3.ExprRef], str]:
    def name(n: z3.ExprRef) -> str:
        n = _ev(mod, n)
        head = z3.is_true(_ev(mod, m.ishead(n)))
        return "%s(L%s,p%s%s)" % (n, _ev(mod, m.lvl(n)), _ev(mod, m.pos(n)), ",head" if head else "")
    return name


def _state_lines(m: Model, mod: z3.ModelRef, s: State) -> List[str]:
    u, nm = m.u, _namer(m, mod)
    out = []
    for n in u.nodes:
        st = str(_ev(mod, s.st[n]))
        if st == str(UNBORN):
            continue
        parts = ["%s %s" % (nm(n), st)]
        if z3.is_true(_ev(mod, s.hasn[n])):
            parts.append("next %s" % nm(s.nxt[n]))
        if z3.is_true(_ev(mod, s.hasp[n])):
            parts.append("named by an entry of %s" % nm(s.par[n]))
        out.append("node " + ", ".join(parts))
    spare = [str(n) for n in u.nodes if str(_ev(mod, s.st[n])) == str(UNBORN)]
    if spare:
        out.append("not yet created: " + ", ".join(spare))
    for t in u.threads:
        out.append(_thread_line(m, mod, s, t, nm))
    return out


def _thread_line(m: Model, mod: z3.ModelRef, s: State, t: z3.ExprRef,
                 nm: Callable[[z3.ExprRef], str]) -> str:
    u = m.u
    op = OP_NAMES[str(_ev(mod, m.op(t)))]
    pc = str(_ev(mod, s.pc[t]))
    held = ["%s %s" % (_ev(mod, s.hold[t, n]), nm(n)) for n in u.nodes
            if str(_ev(mod, s.hold[t, n])) != str(NONE)]
    line = "thread %s (%s, lim %s) at %s" % (t, op, _ev(mod, s.lim[t]), pc)
    if pc not in ("START", "DONE"):
        line += ", standing in %s" % nm(s.x[t])
    line += ", holding [%s]" % ", ".join(held)
    if pc in ("PEND", "SWAP"):
        line += "; %s %s on %s" % ("requests" if pc == "PEND" else "was granted",
                                   _ev(mod, s.reqm[t]), nm(s.req[t]))
        if z3.is_true(_ev(mod, s.hasrel[t])):
            line += ", then releases %s" % nm(s.rel[t])
        line += ", continues at %s" % _ev(mod, s.cont[t])
    if op == "scan" and pc in ("SLOOP", "FIN", "PEND", "SWAP"):
        line += "; range from %s" % nm(s.sfirst[t])
    return line


def _changes(m: Model, mod: z3.ModelRef, s: State, n: State, t: z3.ExprRef) -> List[str]:
    u, nm = m.u, _namer(m, mod)
    out = []
    for v in u.threads:
        for node in u.nodes:
            a, b = str(_ev(mod, s.hold[v, node])), str(_ev(mod, n.hold[v, node]))
            if a != b:
                out.append("%s %s %s" % (v, "releases %s on" % a if b == str(NONE)
                                         else "now holds %s on" % b, nm(node)))
    for node in u.nodes:
        a, b = str(_ev(mod, s.st[node])), str(_ev(mod, n.st[node]))
        if a != b:
            out.append("%s: %s -> %s" % (nm(node), a, b))
        for fld, what in (("nxt", "next"), ("par", "parent entry in")):
            has = "hasn" if fld == "nxt" else "hasp"
            ha, hb = z3.is_true(_ev(mod, s.f[has][node])), z3.is_true(_ev(mod, n.f[has][node]))
            pa, pb = str(_ev(mod, s.f[fld][node])), str(_ev(mod, n.f[fld][node]))
            if ha != hb or (hb and pa != pb):
                out.append("%s: %s %s -> %s" % (nm(node), what,
                                                nm(s.f[fld][node]) if ha else "none",
                                                nm(n.f[fld][node]) if hb else "none"))
    pa, pb = str(_ev(mod, s.pc[t])), str(_ev(mod, n.pc[t]))
    if pa != pb:
        out.append("%s: %s -> %s" % (_ev(mod, t), pa, pb))
    if pb == "PEND" and pa != "PEND":
        out.append("%s requests %s on %s" % (_ev(mod, t), _ev(mod, n.reqm[t]), nm(n.req[t])))
    return out


def _choices(mod: z3.ModelRef, step: str, nm: Callable[[z3.ExprRef], str]) -> List[str]:
    """The transition's nondeterministic choices (Choices constants named '<step>.<what>!k')."""
    out = []
    for d in mod.decls():
        name = d.name()
        if not name.startswith(step + "."):
            continue
        what = name[len(step) + 1:].split("!")[0]
        if d.arity() == 0:
            val = mod[d]
            shown = nm(val) if val.sort().name().startswith("Node") else str(val)
            out.append("%s = %s" % (what, shown))
        else:
            out.append("%s = %s" % (what, mod[d]))
    return sorted(out)


def _narrate(m: Model, mod: z3.ModelRef, s: State, n: Optional[State], t: Optional[z3.ExprRef],
             step: Optional[str], key: str, goal: str, threads: int, nodes: int,
             dt: float) -> Cti:
    cti = Cti(key, goal, threads, nodes, dt, before=_state_lines(m, mod, s))
    if step is not None and n is not None and t is not None:
        choices = _choices(mod, step, _namer(m, mod))
        cti.step = "thread %s takes '%s'%s" % (_ev(mod, t), step,
                                                 (" with " + ", ".join(choices)) if choices else "")
        cti.after = _changes(m, mod, s, n, t)
    return cti


__all__ = ["Cti", "find_cti"]
