"""variants.py — the known-broken variants of the protocol, each refuted by Z3 with a trace, and
the bounded checks of the real protocol (deadlock unreachable, every thread can finish).

Each variant changes one step of the model (model.py, VARIANTS) and is run in a small concrete
Scene chosen so that its bug needs few steps; Z3 searches all interleavings and all choices of
that scene by iterative deepening and returns the shortest run that reaches the bad state:
  upgrade       read->write upgrade under a held read lock          -> deadlock
  bottom_up     a split/promotion locks the level above while holding below -> deadlock
  left          taking a left sibling while holding a right one     -> deadlock
  scan_rtl      a two-phase scan taking level-0 nodes right to left -> deadlock
  parent_early  releasing the parent before locking the child       -> a thread locks a node that
                a concurrent delete has already unlinked and freed (a use after free: a safety
                bug, not a deadlock)
The same scenes with the real protocol (variant None) must reach neither state, and must reach a
state where every thread has finished (the model is not vacuous).
Invariant: a VariantResult is `refuted` only when Z3 produced a concrete trace to the bad state.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple, TypedDict

import z3

from .bounded import BoundedResult, Bmc, Scene, Trace
from .model import Model
from .state import State
from .universe import PC


class Shape(TypedDict):
    """The shape arguments of a Scene (its nodes and links), shared by several scenes."""
    levels: Tuple[int, ...]
    pos: Tuple[int, ...]
    alive: Tuple[bool, ...]
    nxt: Dict[int, int]
    par: Dict[int, int]


# head1 -> N2 on level 1, head0 -> N3 on level 0, N2's entry points down to N3.
TWO_LEVELS = Shape(levels=(0, 1, 1, 0), pos=(0, 0, 5, 5), alive=(True, True, True, True),
                   nxt={0: 3, 1: 2}, par={3: 2})
# One level: head0 -> N1.
ONE_LEVEL = Shape(levels=(0, 0), pos=(0, 5), alive=(True, True), nxt={0: 1}, par={})
# head1 holds an entry whose down pointer names N2, the only level-0 node after head0.
HEAD_ENTRY = Shape(levels=(0, 1, 0), pos=(0, 0, 5), alive=(True, True, True), nxt={0: 2},
                   par={2: 1})


def deadlock(m: Model, s: State) -> z3.BoolRef:
    return m.deadlock(s)


def use_after_free(m: Model, s: State) -> z3.BoolRef:
    return m.uses_freed(s)


def all_done(m: Model, s: State) -> z3.BoolRef:
    return m.u.all_t(lambda t: s.pc[t] == PC["DONE"])


@dataclass(frozen=True)
class VariantCase:
    name: str
    summary: str
    scene: Scene
    bad: str  # "deadlock" or "use after free"
    max_depth: int


CASES: List[VariantCase] = [
    VariantCase("upgrade", "read->write upgrade while holding the read lock",
                Scene(ops=("delete", "delete"), **TWO_LEVELS), "deadlock", 6),
    VariantCase("bottom_up", "split/promotion locks upward (level 1 while holding level 0)",
                Scene(ops=("put", "get"), **TWO_LEVELS), "deadlock", 6),
    VariantCase("left", "takes the left sibling while holding the right one",
                Scene(ops=("delete", "get"), **ONE_LEVEL), "deadlock", 9),
    VariantCase("scan_rtl", "scan read-locks level-0 nodes right to left",
                Scene(ops=("scan", "delete"), **ONE_LEVEL), "deadlock", 10),
    VariantCase("parent_early", "releases the parent before locking the child",
                Scene(ops=("get", "delete"), lims=(0, 1), **HEAD_ENTRY), "use after free", 13),
]

TARGETS: Dict[str, Callable[[Model, State], z3.BoolRef]] = {
    "deadlock": deadlock, "use after free": use_after_free}


@dataclass
class VariantResult:
    """A broken variant and Z3's verdict: `refuted` with the trace to the bad state."""
    name: str
    summary: str
    refuted: bool
    bad: str
    seconds: float
    scene: str
    trace: Optional[Trace] = None

    def describe(self) -> str:
        head = "%-13s %s: %s (%s, %d-step trace, %.2fs)" % (
            self.name, "refuted" if self.refuted else "NOT REFUTED", self.summary, self.bad,
            len(self.trace.steps) if self.trace else 0, self.seconds)
        if not self.trace:
            return head
        return head + "\n  scene: " + self.scene + "\n" + str(self.trace)


def refute(case: VariantCase) -> VariantResult:
    """Searches the variant's scene for its bad state."""
    r = Bmc(case.scene, case.name).search(case.bad, TARGETS[case.bad], case.max_depth)
    return VariantResult(case.name, case.summary, r.found, case.bad, r.seconds,
                         case.scene.describe(), r.trace)


def refute_variants(names: Optional[List[str]] = None, jobs: int = 0) -> List[VariantResult]:
    """Refutes every broken variant (or those named); one VariantResult each, in CASES order.

    :param jobs: worker processes (0: one per CPU, at most one per variant; 1: in this process).
    """
    cases = [c for c in CASES if names is None or c.name in names]
    jobs = jobs or min(len(cases), os.cpu_count() or 1)
    if jobs <= 1 or multiprocessing.current_process().daemon:  # a daemon may not fork workers
        return [refute(c) for c in cases]
    # slowest first, so the longest search starts at once
    order = sorted(cases, key=lambda c: -c.max_depth)
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        done = dict(zip([c.name for c in order], ex.map(refute, order)))
    return [done[c.name] for c in cases]


@dataclass
class BoundedCheck:
    """A bounded check of the real protocol: `ok` when the expectation held."""
    name: str
    ok: bool
    seconds: float
    detail: str
    trace: Optional[Trace] = field(default=None)

    def describe(self) -> str:
        return "%-50s %s  %6.2fs  %s" % (self.name, "ok" if self.ok else "FAILED", self.seconds,
                                         self.detail)


def _unreachable(name: str, scene: Scene, target: str, depth: int) -> BoundedCheck:
    r: BoundedResult = Bmc(scene).search(target, TARGETS[target], depth)
    detail = "no %s within %d steps (%s)" % (target, depth, scene.describe())
    if r.found:
        detail = "%s reached:\n%s" % (target, r.trace)
    elif r.unknown:
        detail = "Z3 gave up at depth %d" % r.depth
    return BoundedCheck(name, not r.found and not r.unknown, r.seconds, detail, r.trace)


def _reachable(name: str, scene: Scene, depth: int) -> BoundedCheck:
    r = Bmc(scene).search("all done", all_done, depth)
    detail = ("all threads finish in %d steps (%s)" % (r.depth, scene.describe())) if r.found \
        else "no run within %d steps lets every thread finish: the model is vacuous" % depth
    return BoundedCheck(name, r.found, r.seconds, detail, r.trace)


def bounded_checks(depth: int = 8) -> List[BoundedCheck]:
    """The real protocol in small scenes: deadlock unreachable within `depth` steps (2 and 3
    threads), use after free unreachable within depth + 4 (the parent_early scene), and a run
    where every thread finishes within 2 x depth (non-vacuity). Seconds at the default depth."""
    return [
        _unreachable("no deadlock: put + delete, two levels",
                     Scene(ops=("put", "delete"), **TWO_LEVELS), "deadlock", depth),
        _unreachable("no deadlock: scan + delete + put, one level",
                     Scene(ops=("scan", "delete", "put"), **ONE_LEVEL), "deadlock", depth),
        _unreachable("no use after free: get + delete",
                     Scene(ops=("get", "delete"), lims=(0, 1), **HEAD_ENTRY), "use after free",
                     depth + 4),
        _reachable("non-vacuous: put + delete both finish",
                   Scene(ops=("put", "delete"), **ONE_LEVEL), 2 * depth),
    ]


__all__ = ["CASES", "VariantResult", "refute_variants", "BoundedCheck", "bounded_checks"]
