"""hunt.py — a budgeted search for non-linearizable histories of the B-skiplist, in batches.

The unit of work is a batch (BatchSpec): BATCH_PROGRAMS random programs (program.build_program)
drawn from a random.Random seeded by (seed, batch index) alone, each run several times on real
pthreads with schedule noise (executor.run_program on the instrumented build, run seeds from the
same generator), the structure validated after every run and every history checked with the
checker's `sortedmap` model (check.check_events). run_batch does one batch wherever it is called
— in this process (hunt), or on a worker of a cluster (pybskip.cluster.hunt_on_pool) — and
returns plain, picklable data. So the programs of a hunt depend only on its seed and its work
size (the number of programs), never on how many processes or machines ran the batches.

A batch stops at its first failure — a non-linearizable history (the checker minimises it; the
outcome comes back so that whoever merges the results writes the files), a structural invariant
broken at quiescence, or a crash of the run — or at its deadline (time.time(), checked before
every run: a batch overruns it by at most one run and its check). `pybskip verify`, ci/mutants.py
and the cluster hunt use these pieces; the pytest suite uses the same ones through Hypothesis
(which also shrinks the program).
Invariants: a report's counters only count histories that were fully checked; batches merge in
index order; a HuntReport is `ok` only if no batch failed or was lost, no verdict was unknown and
(when a work size was asked for) every program of it was checked.
"""
from __future__ import annotations

import hashlib
import os
import random
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

from .check import CheckOutcome, check_events, save_failure
from .executor import Engine, StructureError, run_program
from .program import Program, build_program

BATCH_PROGRAMS = 16  # programs per batch: ~0.1 s of one core with 10 runs each (2-CPU machine)


@dataclass
class Failure:
    """The first failure a hunt met: what kind, the program, and the files written for it.
    `outcome` (a non-linearizable history's check) travels with a batch's result until the
    merging side saves it."""

    kind: str                 # "not linearizable" | "invalid structure"
    program: Program
    detail: str
    paths: List[Path] = field(default_factory=list)
    outcome: Optional[CheckOutcome] = None
    batch: int = 0


@dataclass(frozen=True)
class BatchSpec:
    """One batch of the hunt: which programs (seed, index, programs) and how they are run.
    `engine_path`/`engine_module`: a compiled cffi core to load instead of the installed
    instrumented build (a mutant). `deadline`: time.time() after which no run starts."""

    seed: int
    index: int
    programs: int = BATCH_PROGRAMS
    max_threads: int = 8
    max_ops: int = 12
    runs_per_program: int = 10
    noise: int = 3
    check_timeout: float = 5.0
    deadline: Optional[float] = None
    engine_path: Optional[str] = None
    engine_module: str = "_mutant_cffi"

    def rng(self) -> random.Random:
        """The batch's generator: a function of (seed, index) alone (a str seed hashes the
        same in every process and on every machine)."""
        return random.Random("pybskip-hunt:%d:%d" % (self.seed, self.index))


@dataclass
class BatchResult:
    """What a batch did: counts of fully checked histories, a digest of each program it ran
    (in order), whether it ran all its programs, and its first failure."""

    index: int
    programs: int = 0
    histories: int = 0
    operations: int = 0
    verdicts: Dict[str, int] = field(default_factory=dict)
    digests: List[str] = field(default_factory=list)
    complete: bool = True
    failure: Optional[Failure] = None
    worker: str = ""
    seconds: float = 0.0


def program_digest(program: Program) -> str:
    """A short stable name of a program (sha256 of its text)."""
    return hashlib.sha256(str(program).encode()).hexdigest()[:16]


_ENGINES: Dict[str, Engine] = {}


def _engine_for(spec: BatchSpec) -> Engine:
    """The spec's engine, loaded once per process."""
    key = spec.engine_path or ""
    if key not in _ENGINES:
        _ENGINES[key] = (Engine.load_file(spec.engine_path, spec.engine_module)
                         if spec.engine_path else Engine.load())
    return _ENGINES[key]


def run_batch(spec: BatchSpec, engine: Optional[Engine] = None) -> BatchResult:
    """Runs one batch (see the module doc); what it returns pickles (it crosses processes)."""
    engine = engine or _engine_for(spec)
    rnd = spec.rng()
    out = BatchResult(spec.index, worker="%s:%d" % (socket.gethostname(), os.getpid()))
    verdicts: Counter[str] = Counter()
    t0 = time.monotonic()

    def late() -> bool:
        return spec.deadline is not None and time.time() >= spec.deadline

    for _ in range(spec.programs):
        if late():
            out.complete = False
            break
        program = build_program(rnd.randint, max_threads=spec.max_threads, max_ops=spec.max_ops)
        run_seeds = [rnd.getrandbits(31) | 1 for _ in range(spec.runs_per_program)]
        out.programs += 1
        out.digests.append(program_digest(program))
        for run, run_seed in enumerate(run_seeds):
            if run and late():  # the deadline also ends a program's runs
                out.complete = False
                break
            try:
                events = run_program(program, engine, noise=spec.noise, seed=run_seed)
            except StructureError as exc:
                out.failure = Failure("invalid structure", program, str(exc), batch=spec.index)
                break
            outcome: CheckOutcome = check_events(events, timeout=spec.check_timeout)
            out.histories += 1
            out.operations += len(events)
            verdicts[outcome.verdict] += 1
            if outcome.verdict == "illegal":
                out.failure = Failure("not linearizable", program, outcome.describe(),
                                      outcome=outcome, batch=spec.index)
                break
        if out.failure is not None or not out.complete:
            break
    out.verdicts = dict(verdicts)
    out.seconds = time.monotonic() - t0
    return out


@dataclass
class HuntReport:
    programs: int = 0
    histories: int = 0
    operations: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    failure: Optional[Failure] = None
    batches: int = 0                       # batches merged (whole or cut by the deadline)
    lost: Dict[int, str] = field(default_factory=dict)  # batch index -> why its result is gone
    planned: Optional[int] = None          # the work size asked for (programs), if any
    digest: str = ""                       # chained sha256 of the programs run, in batch order
    workers: int = 1                       # worker processes alive at the last count
    cut: int = 0                           # batches stopped unfinished by the budget or a failure
    worker_batches: Counter[str] = field(default_factory=Counter)  # host:pid -> batches merged

    @property
    def ok(self) -> bool:
        return (self.failure is None and self.verdicts.get("unknown", 0) == 0 and not self.lost
                and (self.planned is None or self.programs >= self.planned))

    @property
    def incomplete(self) -> str:
        """Why the report does not cover its work, or "" (lost batches, a work size not
        reached)."""
        why = []
        if self.lost:
            why.append("%d batch%s lost (%s)" % (len(self.lost), "es" if len(self.lost) > 1 else "",
                                                 "; ".join("batch %d: %s" % kv for kv in
                                                           sorted(self.lost.items()))))
        if self.planned is not None and self.programs < self.planned and self.failure is None:
            why.append("%d of %d programs checked" % (self.programs, self.planned))
        return ", ".join(why)


def batch_count(programs: int) -> int:
    """Batches of a work size of `programs` programs (the last one may hold fewer)."""
    return -(-programs // BATCH_PROGRAMS)


def batch_specs(seed: int, programs: Optional[int], deadline: float,
                **options: object) -> Iterable[BatchSpec]:
    """The batches of a hunt, in index order: batch_count(programs) of them, or endless."""
    index = 0
    while programs is None or index < batch_count(programs):
        size = BATCH_PROGRAMS if programs is None else min(BATCH_PROGRAMS,
                                                           programs - index * BATCH_PROGRAMS)
        yield BatchSpec(seed, index, size, deadline=deadline, **options)  # type: ignore[arg-type]
        index += 1


def merge(report: HuntReport, results: Iterable[BatchResult], out_dir: Optional[Path]) -> None:
    """Adds batch results to a report in index order (call it with batches in rising index
    order: the digest chains them); the first failure (lowest batch) is kept and its
    counterexample files are written to out_dir."""
    for r in sorted(results, key=lambda b: b.index):
        report.batches += 1
        report.programs += r.programs
        report.histories += r.histories
        report.operations += r.operations
        report.verdicts.update(r.verdicts)
        report.worker_batches[r.worker] += 1
        report.digest = hashlib.sha256((report.digest + "".join(r.digests)).encode()).hexdigest()[:16]
        if r.failure is not None and (report.failure is None or r.index < report.failure.batch):
            f = r.failure
            if f.outcome is not None and out_dir is not None:
                f.paths = save_failure(f.outcome, out_dir)
            report.failure = f


def hunt(seconds: float, *, engine: Optional[Engine] = None, seed: int = 0, max_threads: int = 8,
         max_ops: int = 12, runs_per_program: int = 10, noise: int = 3,
         out_dir: Optional[Path] = None, check_timeout: float = 5.0,
         programs: Optional[int] = None,
         progress: Optional[Callable[[HuntReport], None]] = None) -> HuntReport:
    """Hunts in this process for `seconds` (or until `programs` programs are checked); returns
    the counts and the first failure (None if there was none). The same batches as a cluster
    hunt of the same seed (pybskip.cluster)."""
    engine = engine or Engine.load()
    start = time.monotonic()
    deadline = time.time() + seconds
    report = HuntReport(planned=programs)
    last_progress = start
    for spec in batch_specs(seed, programs, deadline, max_threads=max_threads, max_ops=max_ops,
                            runs_per_program=runs_per_program, noise=noise,
                            check_timeout=check_timeout):
        if time.time() >= deadline:
            break
        result = run_batch(spec, engine)
        merge(report, [result], out_dir)
        now = time.monotonic()
        if report.failure is not None or not result.complete:
            break
        if progress is not None and now - last_progress >= 0.5:
            report.seconds = now - start
            progress(report)
            last_progress = now
    report.seconds = time.monotonic() - start
    return report
