"""mutants.py — the spec's mutation suite: each broken model must make the proof fail concretely.

A mutant is a variant of the model or of the proof (model.VARIANTS) with one known bug:
  free_named    delete unlinks and frees N while a parent entry still names it
  down_any      a descent locks any node one level below, not a child of the node it holds
  split_left    a split's new node is placed left of the node it splits
  scan_couple   a scan releases each level-0 node once it holds the next (coupling, not two-phase)
  delete_clamp  a delete pass may start at any head, one below its write level lowering it (the
                model before delete.c's rule (5) was written into its start step)
  drop_one_left the invariant without "one left neighbour" (the model is the real one); dropped in
                both its forms, the conjunct and the ghost "left pointer" conjunct, because over
                finitely many nodes the latter implies it (a unique head per level, each other
                node named by its left neighbour): dropping the conjunct alone is an equivalent
                mutant for every finite state, so no finite counterexample can exist
  upgrade, bottom_up, left, scan_rtl, parent_early   the variants of variants.py, which also have
                reachable bad runs (`pybskip variants`)
A mutant is *refuted* only when some proof obligation of it has a concrete counterexample to
induction (cti.find_cti): a state satisfying its invariant, a step, and the conjunct that breaks.
Which obligations to search: those whose formulas differ from the real model's (both are built in
the same Z3 context, where structurally equal terms are the same term, so `eq` is exact); every
other obligation is, term for term, one the real proof discharges. If no CTI is found, the
changed obligations are given to the unbounded prover, and the mutant is reported NOT refuted —
"survives: the proof holds for it" when they are all proved (the proof cannot see that bug),
"no counterexample found" otherwise. `pybskip verify` prints `spec mutants refuted: N/N`.
Invariant: `refuted` is True only with a Cti read from a Z3 model.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .cti import Cti, find_cti
from .proof import CTI_SIZES, Obligation, _solve, build
from .universe import Universe

LONGEST_MUTANT = "drop_one_left"  # every obligation changes: ~15 s, the others ~4 s
MUTANT_TIMEOUT_MS = 10000
FEW = 16
_REAL: Dict[str, Obligation] = {}
MUTANTS: Dict[str, str] = {
    "free_named": "delete frees N while a parent entry still names it",
    "down_any": "descends to any node one level below, not a child of the held node",
    "split_left": "a split's new node is placed left of the node it splits",
    "scan_couple": "scan releases each level-0 node as it takes the next (coupling, not two-phase)",
    "delete_clamp": "a delete pass may start at any head; one below its write level lowers it",
    "drop_one_left": "the invariant without 'one left neighbour' (the conjunct, and the ghost left "
                     "pointer that implies it over finitely many nodes)",
    "upgrade": "delete upgrades its read lock to write while holding it",
    "bottom_up": "put locks level 1 while holding level 0 (bottom-up promotion)",
    "left": "delete write-locks the left sibling while holding the right one",
    "scan_rtl": "scan read-locks level-0 nodes right to left",
    "parent_early": "get releases the parent before locking the child",
    "reserve_short": "an insert reserves 2h-2 spare nodes, one fewer than its worst case",
    "drop_last_child": "a delete inside a node may remove its only entry with a down pointer",
}


@dataclass
class MutantResult:
    """A mutant and the proof's verdict on it: `refuted` with the counterexample to induction."""
    name: str
    summary: str
    refuted: bool
    seconds: float
    changed: List[str]            # keys of the obligations that differ from the real model's
    obligation: str = ""          # the obligation the CTI breaks
    cti: Optional[Cti] = None
    detail: str = ""

    def describe(self) -> str:
        if self.refuted:
            assert self.cti is not None
            head = "%-13s refuted: %s (%.1fs; %d obligations differ from the real model's; " \
                "'%s' fails on '%s')" % (self.name, self.summary, self.seconds, len(self.changed),
                                         self.obligation, self.cti.goal)
            return head + "\n" + "\n".join("  " + line for line in self.cti.lines())
        return "%-13s NOT REFUTED: %s (%.1fs): %s" % (self.name, self.summary, self.seconds,
                                                     self.detail)


def changed_obligations(name: str) -> List[Tuple[Obligation, List[str]]]:
    """(obligation, goals to search) of every obligation of mutant `name` that is not, term for
    term, an obligation of the real model; all goals when the hypotheses differ, else the changed
    ones."""
    if not _REAL:  # the real model's obligations, built once per process (they never change)
        _REAL.update({ob.key: ob for ob in build(Universe(), None)})
    out = []
    for ob in build(Universe(), name):
        base = _REAL.get(ob.key)
        same_hyps = base is not None and len(ob.hyps) == len(base.hyps) and \
            all(x.eq(y) for x, y in zip(ob.hyps, base.hyps)) and \
            sorted(ob.extra) == sorted(base.extra) and all(
                len(ob.extra[g]) == len(base.extra[g]) and
                all(x.eq(y) for x, y in zip(ob.extra[g], base.extra[g])) for g in ob.extra)
        if not same_hyps:
            out.append((ob, [g for g, _ in ob.goals]))
            continue
        assert base is not None
        old = dict(base.goals)
        goals = [g for g, f in ob.goals if g not in old or not f.eq(old[g])]
        if goals or len(ob.goals) != len(base.goals):
            out.append((ob, goals))
    return out


def refute_mutant(name: str) -> MutantResult:
    """Searches a counterexample to induction for mutant `name`. When few obligations changed
    (at most FEW), each is first searched in the smallest universe (cheap, and where a broken
    step usually shows); then each changed obligation is given to the unbounded prover
    (MUTANT_TIMEOUT_MS per goal, a filter: the real obligations take under 3 s) and one it does
    not prove is searched at every size (cti.find_cti). The first CTI found refutes the mutant."""
    if name not in MUTANTS:
        raise ValueError("unknown spec mutant %r (known: %s)" % (name, ", ".join(MUTANTS)))
    t0 = time.perf_counter()
    changed = changed_obligations(name)
    keys = [ob.key for ob, _ in changed]

    def found(key: str, cti: Cti) -> MutantResult:
        return MutantResult(name, MUTANTS[name], True, time.perf_counter() - t0, keys, key, cti)
    if not changed:
        return MutantResult(name, MUTANTS[name], False, time.perf_counter() - t0, keys,
                            detail="survives: no obligation differs from the real model's")
    if len(changed) <= FEW:
        for ob, goals in changed:
            cti = find_cti(ob.key, goals, name, sizes=CTI_SIZES[:1])
            if cti is not None:
                return found(ob.key, cti)
    unproved = []
    for ob, goals in changed:
        bad, _, _ = _solve(ob, MUTANT_TIMEOUT_MS)
        if bad is None:
            continue
        unproved.append(ob.key)
        cti = find_cti(ob.key, [bad] + [g for g in goals if g != bad], name)
        if cti is not None:
            return found(ob.key, cti)
    detail = ("survives: the proof holds for it (%d changed obligations, all proved)" % len(keys)
              if not unproved else "not proved but no counterexample to induction found for %s"
              % ", ".join(unproved))
    return MutantResult(name, MUTANTS[name], False, time.perf_counter() - t0, keys, detail=detail)


def refute_mutants(names: Optional[List[str]] = None, jobs: int = 0) -> List[MutantResult]:
    """Every spec mutant (or those named), one MutantResult each, in MUTANTS order.

    :param jobs: worker processes (0: one per CPU; 1: in this process).
    """
    todo = [n for n in MUTANTS if names is None or n in names]
    jobs = jobs or min(len(todo), os.cpu_count() or 1)
    if jobs <= 1 or multiprocessing.current_process().daemon:
        return [refute_mutant(n) for n in todo]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        return list(ex.map(refute_mutant, todo))


__all__ = ["MUTANTS", "MutantResult", "refute_mutant", "refute_mutants", "changed_obligations"]
