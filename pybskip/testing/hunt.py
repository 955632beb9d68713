"""hunt.py — a budgeted search for non-linearizable histories of the B-skiplist.

Draws random programs (program.build_program from a seeded random.Random), runs each one several
times on real pthreads with schedule noise (executor.run_program on the instrumented build),
validates the structure after every run and checks every history with the checker's `sortedmap`
model (check.check_events). It stops at the first failure — a non-linearizable history (the
checker minimises it and the files are saved), a structural invariant broken at quiescence, or a
crash of the run — or when the time budget is spent (checked before every run: it overruns by at
most one run and its check). `pybskip verify` and ci/mutants.py use it;
the pytest suite uses the same pieces through Hypothesis (which also shrinks the program).
Invariant: a HuntReport's counters only count histories that were fully checked.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

from .check import CheckOutcome, check_events, save_failure
from .executor import Engine, StructureError, run_program
from .program import Program, build_program


@dataclass
class Failure:
    """The first failure a hunt met: what kind, the program, and the files written for it."""

    kind: str                 # "not linearizable" | "invalid structure"
    program: Program
    detail: str
    paths: List[Path] = field(default_factory=list)


@dataclass
class HuntReport:
    programs: int = 0
    histories: int = 0
    operations: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    failure: Optional[Failure] = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.verdicts.get("unknown", 0) == 0


def hunt(seconds: float, *, engine: Optional[Engine] = None, seed: int = 0, max_threads: int = 8,
         max_ops: int = 12, runs_per_program: int = 10, noise: int = 3,
         out_dir: Optional[Path] = None, check_timeout: float = 5.0,
         progress: Optional[Callable[[HuntReport], None]] = None) -> HuntReport:
    """Hunts for `seconds`; returns the counts and the first failure (None if there was none)."""
    engine = engine or Engine.load()
    rnd = random.Random(seed)
    report = HuntReport()
    start = time.monotonic()
    last_progress = start
    while time.monotonic() - start < seconds and report.failure is None:
        program = build_program(rnd.randint, max_threads=max_threads, max_ops=max_ops)
        report.programs += 1
        for run in range(runs_per_program):
            if run and time.monotonic() - start >= seconds:  # the budget also ends a program's runs
                break
            try:
                events = run_program(program, engine, noise=noise, seed=rnd.getrandbits(31) | 1)
            except StructureError as exc:
                report.failure = Failure("invalid structure", program, str(exc))
                break
            outcome: CheckOutcome = check_events(events, timeout=check_timeout)
            report.histories += 1
            report.operations += len(events)
            report.verdicts[outcome.verdict] += 1
            if outcome.verdict == "illegal":
                paths = save_failure(outcome, out_dir) if out_dir is not None else []
                report.failure = Failure("not linearizable", program, outcome.describe(), paths)
                break
        now = time.monotonic()
        if progress is not None and now - last_progress >= 0.5:
            report.seconds = now - start
            progress(report)
            last_progress = now
    report.seconds = time.monotonic() - start
    return report
