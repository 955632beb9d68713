"""_verify.py — `pybskip verify`: the whole verification of the installed library in one time budget.

Steps (each reports ok/FAILED, what it counted, and its time):
  sequential  SkipMap against a dict on random operations, then validate()
  proof       Z3 proves the locking protocol deadlock-free for any number of threads and any shape
  bounded     the protocol explored exhaustively in small scenes (2-3 threads): no deadlock, no use
              after free, every thread can finish; to the depth the budget buys (depth_for)
  variants    Z3 refutes every known-broken variant of the protocol (the proof is not vacuous)
  mutants     the spec's mutation suite: every broken model yields a concrete counterexample to
              induction (`spec mutants refuted: N/N`, pybskip.spec.mutants)
  trace       lock traces recorded from 4-thread runs of the real C code (random programs, and the
              batch calls) conform to the model's rules; a 3-thread trace of a tall map and the
              one-thread scenes (pybskip.testing.scenes) replay through the model's transitions
  histories   concurrent programs on real pthreads with schedule noise, every history checked for
              linearizability (pybskip.checkers, sortedmap model), until the budget is spent (or
              --programs N are checked); with --workers/--scheduler on a Dask cluster
              (pybskip.cluster: the same batches, merged into the same report)

Processes. This one only schedules and reports. The Z3 work is a list of independent tasks (the
proof in PROOF_PARTS parts, each variant, each spec mutant, the bounded scenes), taken longest
first by
z3_workers() spawned processes; the C steps run in one more process, the history hunt at nice
+19, so that the Z3 work (the critical path) gets the CPUs first and the hunt takes whatever is
left. Every worker reports on one queue; this process prints a status line at least every
PROGRESS_EVERY seconds, ends the hunt RESERVE seconds before the end of the budget, and stops
what still runs END_RESERVE seconds before it: an unfinished Z3 task is a FAILED step ("not
finished within the budget"), never an overrun. min_seconds() is the least budget whose Z3 work
fits on an idle machine; a smaller one is refused up front, and a busy machine is named up front.

Budget split, B = --seconds (seconds of one core of this project's 2-CPU machine):
  Z3 work, all of it run every time, on 2 workers: proof ~100 s of one core (4 parts; 198
      obligations, the progress ones MBQI with case splits), variants ~45 s, spec mutants ~100 s
      (13, ~4-8 s each, two ~14 s), bounded scenes at depth 5 ~10 s (B < 210), 6 ~13 s (from
      210 s), 7 ~18 s (240 s), 8 ~46 s (300 s), 9 ~80 s (420 s), 10 ~210 s (960 s). Measured at
      B = 150: the Z3 work done at ~134 s, then the hunt ran 16 s (VERIFIED in 148 s); hence the
      default of 180 s, and from it on the Z3 work takes at most three quarters of the budget.
      Measured again with the scenes in the trace step (idle machine, z3 5.4.1): B = 180 Z3 done
      at ~128 s, hunt 53 s; B = 150 hunt 33 s; both VERIFIED.
  sequential ~1 s, trace 80-90 s beside the two Z3 workers (the scenes' replay ~35 s of one core
      idle; the step is not niced), then histories until B - RESERVE; stopping and the summary
      take the rest.
Invariant: every step ends with a StepResult (an exception, a dead worker, a run out of time:
FAILED with the reason), and the run ends within its budget.
"""
from __future__ import annotations

import os
import queue
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

PROGRESS_EVERY = 4.0   # seconds between status lines (the promise is 5)
RESERVE = 2.0          # the hunt ends this long before the budget does
END_RESERVE = 1.0      # what still runs this long before the end is stopped: teardown, summary
MAX_SECONDS = 86400.0
DEFAULT_SECONDS = 180.0
MIN_DEPTH = 5          # the least depth at which the non-vacuity scene (2 x depth steps) finishes
DEPTH_FROM: Tuple[Tuple[int, float], ...] = ((6, 210.0), (7, 240.0), (8, 300.0), (9, 420.0),
                                             (10, 960.0))
# seconds of one core for the bounded scenes at each depth, and for the Z3 work besides them
DEPTH_COST = {5: 10.0, 6: 13.0, 7: 18.0, 8: 46.0, 9: 80.0, 10: 210.0}
OTHER_Z3_COST = 250.0  # proof ~100 s in 4 parts + variants ~45 s + spec mutants ~100 s
LONGEST_VARIANT = 15.0  # also the longest spec mutant (drop_one_left)
PROOF_PARTS = 4
HUNT_NICE = 19        # a hunt of 8 threads at nice 19 weighs ~1/8 of one Z3 worker
STEP_ORDER = ("sequential", "proof", "bounded", "variants", "mutants", "trace", "histories")
LOCAL_STEPS = ("sequential", "trace", "histories")

CLUSTER_RESERVE = 3.0  # a hunt on a pool ends this much earlier (then 1 s of grace for the batches
                       # still running): closing a LocalCluster takes ~1 s
Task = Tuple[str, Any]  # ("proof", part) | ("variant", name) | ("mutant", name) | ("bounded", depth)


@dataclass(frozen=True)
class ClusterOptions:
    """Where the hunt runs (pybskip.cluster.open_pool): a scheduler's address, else a
    LocalCluster of `workers` processes (None: the cores)."""
    workers: Optional[int] = None
    scheduler: Optional[str] = None


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


# ---- the plan: what the budget buys --------------------------------------------------------------

def _cpus(cpus: Optional[int]) -> int:
    return cpus if cpus is not None else (os.cpu_count() or 1)


def z3_workers(cpus: Optional[int] = None) -> int:
    """Z3 worker processes: 2 when there are 2 CPUs or more (the tasks are few and one variant
    alone is a third of the work, so more workers gain little), else 1."""
    return 2 if _cpus(cpus) >= 2 else 1


def depth_for(seconds: float) -> int:
    """The bounded depth a budget buys (DEPTH_FROM): from the default (180 s) on, the whole Z3
    work stays within three quarters of the budget on an idle 2-CPU machine."""
    depth = MIN_DEPTH
    for d, from_seconds in DEPTH_FROM:
        if seconds >= from_seconds:
            depth = d
    return depth


def z3_seconds(depth: int, cpus: Optional[int] = None) -> float:
    """About how long the Z3 work with bounded scenes at `depth` takes on an idle machine: its
    cost shared by the workers, or its longest task, whichever is more."""
    total = OTHER_Z3_COST + DEPTH_COST[depth]
    return max(total / z3_workers(cpus), DEPTH_COST[depth], LONGEST_VARIANT)


def mandatory_seconds(cpus: Optional[int] = None) -> float:
    """The Z3 work of the smallest budget (bounded scenes at depth 5), in wall seconds."""
    return z3_seconds(MIN_DEPTH, cpus)


def min_seconds(cpus: Optional[int] = None) -> float:
    """The least --seconds: the smallest Z3 work (~130 s on 2 workers, ~260 s on 1) plus the C
    steps, RESERVE and some room."""
    return 150.0 if z3_workers(cpus) >= 2 else 290.0


def next_depth_at(depth: int) -> Optional[float]:
    """The budget from which the depth after `depth` is run (None past the last)."""
    return next((s for d, s in DEPTH_FROM if d == depth + 1), None)


@dataclass(frozen=True)
class Plan:
    seconds: float
    workers: int
    depth: int                   # the bounded depth the budget buys
    hunt_end: float              # seconds after the start: the hunt stops
    end: float                   # seconds after the start: whatever still runs is stopped
    tasks: Tuple[Task, ...]      # the Z3 tasks in the order the workers take them
    variants: Tuple[str, ...]
    mutants: Tuple[str, ...] = ()


def make_plan(seconds: float, cpus: Optional[int] = None,
              variants: Optional[Sequence[Tuple[str, int]]] = None,
              mutants: Optional[Sequence[str]] = None) -> Plan:
    """The plan for a budget. `variants`: (name, max_depth) of every broken variant (default
    pybskip.spec's); the deepest search is the longest variant. `mutants`: the spec mutants
    (default pybskip.spec.mutants.MUTANTS, the longest, LONGEST_MUTANT, first). Tasks go longest
    first."""
    if variants is None:
        from .spec.variants import CASES

        variants = [(c.name, c.max_depth) for c in CASES]
    if mutants is None:
        from .spec.mutants import LONGEST_MUTANT, MUTANTS

        mutants = [LONGEST_MUTANT] + [n for n in MUTANTS if n != LONGEST_MUTANT]
    by_cost = [name for name, _ in sorted(variants, key=lambda v: -v[1])]
    depth = depth_for(seconds)
    bounded: Task = ("bounded", depth)
    tasks: List[Task] = []
    if DEPTH_COST[depth] >= LONGEST_VARIANT:
        tasks.append(bounded)
    tasks += [("variant", name) for name in by_cost[:1]]
    if bounded not in tasks:
        tasks.append(bounded)
    tasks += [("mutant", name) for name in mutants[:1]]
    tasks += [("proof", k) for k in range(PROOF_PARTS)]
    tasks += [("variant", name) for name in by_cost[1:]]
    tasks += [("mutant", name) for name in mutants[1:]]
    return Plan(seconds, z3_workers(cpus), depth, max(seconds - RESERVE, 1.0),
                max(seconds - END_RESERVE, 1.5), tuple(tasks), tuple(name for name, _ in variants),
                tuple(mutants))


def _cpu_times() -> Optional[Tuple[float, float]]:
    """(busy, total) jiffies of all CPUs from /proc/stat (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [float(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cpus(sample: float = 0.2, cpus: Optional[int] = None) -> Optional[float]:
    """How many CPUs other programs keep busy now: measured over `sample` seconds from
    /proc/stat, else the 1-minute load average; None when neither is available."""
    n = _cpus(cpus)
    a = _cpu_times()
    if a is not None:
        time.sleep(sample)
        b = _cpu_times()
        if b is not None and b[1] > a[1]:
            return n * (b[0] - a[0]) / (b[1] - a[1])
    try:
        return min(os.getloadavg()[0], float(n))
    except (AttributeError, OSError):
        return None


def busy_warning(plan: Plan, busy: Optional[float], cpus: Optional[int] = None) -> Optional[str]:
    """A warning when `busy` CPUs taken by other programs make the Z3 work unlikely to fit in the
    budget, else None."""
    if busy is None:
        return None
    n = _cpus(cpus)
    need = z3_seconds(plan.depth, n) * max(1.0, (busy + plan.workers) / n)
    if need <= plan.end:
        return None
    return ("the machine is busy (other programs keep %.1f of %d CPUs busy): the Z3 work may need "
            "~%.0f s of the %.0f s budget; what does not finish is FAILED (a larger --seconds, or "
            "a quieter machine, helps)" % (busy, n, need, plan.seconds))


# ---- the steps (each runs in a worker process) -----------------------------------------------------

def step_sequential(seed: int) -> StepResult:
    """SkipMap vs dict on 20000 random operations over a small key range, then validate()."""
    from . import SkipMap

    rnd = random.Random(seed)
    m, ref = SkipMap(node_bytes=256), {}
    for _ in range(20000):
        k, op = rnd.randrange(-500, 500), rnd.randrange(4)
        if op == 0:
            v = rnd.getrandbits(63)
            m[k] = v
            ref[k] = v
        elif op == 1:
            if m.pop(k, None) != ref.pop(k, None):
                return StepResult("sequential", False, "pop(%d) disagrees with dict" % k)
        elif op == 2:
            if m.get(k) != ref.get(k):
                return StepResult("sequential", False, "get(%d) disagrees with dict" % k)
        elif m.scan(k, k + 50) != sorted((x, y) for x, y in ref.items() if k <= x < k + 50):
            return StepResult("sequential", False, "scan(%d, %d) disagrees with dict" % (k, k + 50))
    m.validate()
    ok = list(m.items()) == sorted(ref.items())
    return StepResult("sequential", ok, "20000 ops vs dict, %d keys, structure valid" % len(ref))


def step_trace(out: Path, seed: int) -> StepResult:
    """A lock trace of a random 4-thread program, and one of 4 threads of batch calls
    (put_many/get_many/delete_many), each checked against the protocol's rules; then a trace of
    3 threads on a tall map (4+ levels) and the one-thread scenes (testing.scenes: the fill
    scheme's shift and settle steps, a head's spill, promotions, delete paths) replayed through
    the model's transitions; the detail counts the transitions those replays took."""
    from . import spec
    from .spec.model import _transitions
    from .spec.replay import replay_trace
    from .testing.scenes import INDISTINGUISHABLE, SCENES, record_scene
    from .testing.trace import record_batch_trace, record_trace

    path, batch = out / "lock-trace.jsonl", out / "lock-trace-batch.jsonl"
    tall = out / "lock-trace-replayed.jsonl"
    events = record_trace(path, threads=4, seed=seed)
    report = spec.check_trace(path)
    if not report.ok:
        return StepResult("trace", False, "%s (trace: %s)" % (report.describe(), path))
    batch_events = record_batch_trace(batch, threads=4, rounds=6, seed=seed)
    report = spec.check_trace(batch)
    if not report.ok:
        return StepResult("trace", False, "batch calls: %s (trace: %s)" % (report.describe(), batch))
    record_trace(tall, threads=3, max_ops=10, keys=24, seed=seed, promote_prob=0.5)
    replay = replay_trace(tall)
    if not replay.ok:
        return StepResult("trace", False, "%s (trace: %s)" % (replay.describe(), tall))
    taken = set(replay.coverage)
    scene_events = 0
    for scene in SCENES.values():
        scene_path = out / ("lock-trace-scene-%s.jsonl" % scene.name)
        scene_events += record_scene(scene, scene_path)
        scene_replay = replay_trace(scene_path)
        if not scene_replay.ok:
            return StepResult("trace", False, "scene %s: %s (trace: %s)"
                              % (scene.name, scene_replay.describe(), scene_path))
        taken |= set(scene_replay.coverage)
    names = {tr.name for tr in _transitions(None)}
    unseen = sorted((names - taken) & INDISTINGUISHABLE)
    missing = sorted(names - taken - INDISTINGUISHABLE)
    return StepResult("trace", True, "%d lock events from 4 threads conform; batch calls: %d events "
                      "conform; %d events of a %d-node map and %d one-thread scenes (%d events) "
                      "replay through the model: %d of its %d transitions taken%s%s" % (
                          events, batch_events, replay.events, replay.nodes, len(SCENES),
                          scene_events, len(taken & names), len(names),
                          " (%s: no trace can tell it apart from another step)" % ", ".join(unseen)
                          if unseen else "",
                          "; not taken this run: " + ", ".join(missing) if missing else ""))


def _hunt_counts(programs: int, histories: int, operations: int, verdicts: Dict[str, int],
                 seconds: float) -> str:
    text = ", ".join("%s %d" % kv for kv in sorted(verdicts.items()))
    return "%d programs, %d histories, %d operations (%s) in %.0f s" % (
        programs, histories, operations, text or "none", seconds)


def step_histories(seconds: float, threads: int, seed: int, out: Path,
                   progress: Optional[Callable[[Dict[str, Any]], None]] = None,
                   cluster: Optional["ClusterOptions"] = None,
                   programs: Optional[int] = None) -> StepResult:
    """The hunt for `seconds` (or `programs` programs), in this process or, with `cluster`, on
    the pool it names (pybskip.cluster). `progress` gets the counts so far (every history they
    count was checked, and none failed: a failure ends the hunt before the next report)."""
    from .testing.hunt import HuntReport, hunt

    def report_progress(r: HuntReport) -> None:
        if progress is not None:
            progress({"programs": r.programs, "histories": r.histories, "operations": r.operations,
                      "verdicts": dict(r.verdicts), "seconds": r.seconds, "budget": seconds,
                      "workers": r.workers if cluster is not None else None})

    where = "in this process"
    if cluster is None:
        report = hunt(seconds, seed=seed, max_threads=threads, out_dir=out, programs=programs,
                      progress=report_progress)
    else:
        from .cluster import ClusterError, hunt_on_pool, open_pool

        t0 = time.monotonic()
        try:
            pool = open_pool(cluster.workers, cluster.scheduler, say=lambda _line: None)
        except ClusterError as exc:
            return StepResult("histories", False, "no cluster: %s" % exc)
        where = "on " + pool.description
        with pool:
            left = seconds - (time.monotonic() - t0) - CLUSTER_RESERVE
            report = hunt_on_pool(pool, max(left, 0.0), seed=seed, programs=programs, out_dir=out,
                                  max_threads=threads, progress=report_progress, grace=1.0)
    detail = _hunt_counts(report.programs, report.histories, report.operations,
                          dict(report.verdicts), report.seconds)
    detail += " %s; programs digest %s" % (where, report.digest or "-")
    if report.failure is not None:
        f = report.failure
        detail = "%s: %s\n%s\nprogram:\n%s" % (f.kind, detail, f.detail, f.program)
        if f.paths:
            detail += "\ncounterexample: " + ", ".join(str(p) for p in f.paths)
    elif report.verdicts.get("unknown"):
        detail += " — some histories timed out in the checker"
    if report.incomplete:
        detail += " — NOT complete: " + report.incomplete
    return StepResult("histories", report.ok, detail)


def _error_text(exc: BaseException) -> str:
    return "%s: %s" % (type(exc).__name__, exc)


def _run_z3_task(task: Task, progress: Callable[[Any], None]) -> Dict[str, Any]:
    """One Z3 task; returns plain data (it crosses a process boundary)."""
    kind, arg = task
    if kind == "proof":
        from .spec.proof import prove

        results = prove(part=(int(arg), PROOF_PARTS), progress=lambda d, n: progress((d, n)))
        return {"n": len(results),
                "bad": [(r.name, r.counterexample or "") for r in results if not r.proved]}
    if kind == "variant":
        from .spec.variants import CASES, refute

        case = next(c for c in CASES if c.name == arg)
        r = refute(case)
        return {"refuted": r.refuted, "describe": r.describe()}
    if kind == "mutant":
        from .spec.mutants import refute_mutant

        m = refute_mutant(str(arg))
        return {"refuted": m.refuted, "describe": m.describe()}
    if kind == "bounded":
        from .spec.variants import bounded_checks

        checks = bounded_checks(int(arg))
        return {"n": len(checks), "bad": [c.describe() for c in checks if not c.ok]}
    raise ValueError("unknown task %r" % (task,))


def _z3_worker(wid: int, tasks: Any, out: Any) -> None:
    """A Z3 worker: takes tasks until it gets None; each is reported start, then done or fail.
    Nothing escapes it (a worker that cannot go on just ends; the scheduler sees it gone)."""
    try:
        while True:
            item = tasks.get()
            if item is None:
                return
            task: Task = (item[0], item[1])
            out.put(("start", wid, task, None, 0.0))
            t0 = time.monotonic()

            def progress(value: Any, task: Task = task, t0: float = t0) -> None:
                out.put(("progress", wid, task, value, time.monotonic() - t0))
            try:
                payload = _run_z3_task(task, progress)
                out.put(("done", wid, task, payload, time.monotonic() - t0))
            except Exception as exc:  # a step that crashes is a failed step, reported as such
                out.put(("fail", wid, task, _error_text(exc), time.monotonic() - t0))
    except Exception:  # the queues themselves failed: the scheduler reports the worker dead
        return


def _local_worker(out: Any, seed: int, threads: int, out_dir: str, hunt_until: float,
                  go: Any = None, nice: int = HUNT_NICE, cluster: Optional["ClusterOptions"] = None,
                  programs: Optional[int] = None) -> None:
    """The C steps, in order: sequential, trace, then — once `go` is set (a CPU is free of Z3
    work) — the hunt, at `nice`, until hunt_until (time.monotonic(), shared by the processes of
    a machine)."""
    path = Path(out_dir)

    def run(name: str, fn: Callable[[], StepResult]) -> None:
        out.put(("start", "local", (name, None), None, 0.0))
        t0 = time.monotonic()
        try:
            r = fn()
        except Exception as exc:  # a step that crashes is a failed step, reported as such
            r = StepResult(name, False, _error_text(exc))
        r.seconds = time.monotonic() - t0
        out.put(("result", "local", (name, None), r, r.seconds))

    def progress(counts: Dict[str, Any]) -> None:
        out.put(("progress", "local", ("histories", None), counts, 0.0))

    def histories() -> StepResult:
        left = hunt_until - time.monotonic()
        if left <= 0:
            return StepResult("histories", False, "not begun within the budget (the Z3 work "
                              "kept the CPUs until its end)")
        return step_histories(left, threads, seed, path, progress, cluster, programs)

    if cluster is not None:  # stopped at the end of the budget: close the cluster on the way out
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        run("sequential", lambda: step_sequential(seed))
        run("trace", lambda: step_trace(path, seed))
        try:
            if nice:
                os.nice(nice)  # what Z3 work is left goes first; the hunt takes the rest
        except (AttributeError, OSError):
            pass
        if go is not None:
            go.wait(max(hunt_until - time.monotonic(), 0.0))
        run("histories", histories)
    except Exception:  # the queue itself failed: the scheduler reports the worker dead
        return
    finally:  # past the steps a SIGTERM (the scheduler's terminate) ends the process quietly:
        # raised inside the interpreter's exit (its queue thread's join) it printed a traceback
        if cluster is not None:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


# ---- the scheduler --------------------------------------------------------------------------------

@dataclass
class _Z3Step:
    """What the scheduler knows of one Z3 step while it runs."""
    done: Dict[Any, Dict[str, Any]] = field(default_factory=dict)
    failed: Dict[Any, str] = field(default_factory=dict)
    progress: Dict[Any, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _step_of(task: Task) -> str:
    return {"proof": "proof", "variant": "variants", "mutant": "mutants",
            "bounded": "bounded"}[task[0]]


class _Run:
    """The scheduler's picture of a run: what each worker reported, and the step results."""

    def __init__(self, plan: Plan, say: Callable[[str], None], start: float) -> None:
        self.plan, self._say, self.start = plan, say, start
        self.last_line = time.monotonic()
        self.local: Dict[str, StepResult] = {}
        self.local_running: Optional[str] = None
        self.local_progress: Dict[str, Any] = {}
        self.z3: Dict[str, _Z3Step] = {"proof": _Z3Step(), "variants": _Z3Step(),
                                       "mutants": _Z3Step(), "bounded": _Z3Step()}
        self.inflight: Dict[int, Tuple[Task, float]] = {}
        self.started: Set[Task] = set()

    def say(self, msg: str) -> None:
        self._say(msg)
        self.last_line = time.monotonic()

    def resolved(self, task: Task) -> bool:
        s = self.z3[_step_of(task)]
        return task[1] in s.done or task[1] in s.failed

    def step_complete(self, name: str) -> bool:
        return all(self.resolved(t) for t in self.plan.tasks if _step_of(t) == name)

    def z3_finished(self) -> bool:
        return all(self.resolved(t) for t in self.plan.tasks)

    def z3_cpu_free(self) -> bool:
        """Every Z3 task has been taken, and fewer run than there are workers (CPUs)."""
        taken = all(t in self.started or self.resolved(t) for t in self.plan.tasks)
        return taken and len(self.inflight) < self.plan.workers

    def local_missing(self) -> List[str]:
        return [n for n in LOCAL_STEPS if n not in self.local]

    def handle(self, msg: Tuple[str, Any, Task, Any, float]) -> None:
        kind, who, task, value, seconds = msg
        if who == "local":
            name = task[0]
            if kind == "start":
                self.local_running, self.local_progress = name, {}
            elif kind == "progress":
                self.local_progress = dict(value)
            elif kind == "result" and name not in self.local:
                self.local[name] = value
                self.local_running = None
                self.say("%s: %s" % (name, _headline(value)))
            return
        name = _step_of(task)
        step = self.z3[name]
        if kind == "start":
            self.inflight[who] = (task, time.monotonic())
            self.started.add(task)
        elif kind == "progress":
            step.progress[task[1]] = value
        elif not self.resolved(task):
            self.inflight.pop(who, None)
            step.seconds += seconds
            if kind == "done":
                step.done[task[1]] = value
            else:
                step.failed[task[1]] = str(value)
            if self.step_complete(name):
                self.say("%s: %s" % (name, _headline(self.z3_result(name))))

    def fail_task(self, task: Task, why: str) -> None:
        if not self.resolved(task):
            self.z3[_step_of(task)].failed[task[1]] = why

    def status(self) -> str:
        parts = []
        if self.local_running is None and self.local_missing() == ["histories"]:
            parts.append("histories (queued until a CPU is free of Z3 work)")
        if self.local_running:
            c = self.local_progress
            parts.append(self.local_running + (" %d programs, %d histories, %d operations, %.0fs/%.0fs%s" % (
                c["programs"], c["histories"], c["operations"], c["seconds"], c["budget"],
                ", %d workers alive" % c["workers"] if c.get("workers") is not None else "")
                if c else ""))
        proof = self.z3["proof"]
        if not self.step_complete("proof"):
            done = sum(v[0] for v in proof.progress.values())
            total = sum(v[1] for v in proof.progress.values())
            known = len(proof.progress) == PROOF_PARTS
            parts.append("proof %d/%s obligations" % (done, total if known else "?")
                         if proof.progress else "proof (queued)")
        var = self.z3["variants"]
        if not self.step_complete("variants"):
            begun = any(t[0] == "variant" for t in self.started)
            parts.append("variants %d/%d%s" % (len(var.done) + len(var.failed), len(self.plan.variants),
                                                "" if begun else " (queued)"))
        mut = self.z3["mutants"]
        if not self.step_complete("mutants"):
            begun = any(t[0] == "mutant" for t in self.started)
            parts.append("spec mutants %d/%d%s" % (len(mut.done) + len(mut.failed),
                                                   len(self.plan.mutants), "" if begun else " (queued)"))
        if not self.step_complete("bounded"):
            since = [s for t, s in self.inflight.values() if t[0] == "bounded"]
            parts.append("bounded depth %d %s" % (self.plan.depth, "(%.0fs)" % (time.monotonic() - since[0])
                                                  if since else "(queued)"))
        return ", ".join(parts) or "finishing"

    # the results
    def z3_result(self, name: str) -> StepResult:
        s = self.z3[name]
        by_reason: Dict[str, List[str]] = {}
        for k, why in s.failed.items():
            by_reason.setdefault(why, []).append(("part %s" if name == "proof" else "%s") % k)
        fails = ["%s: %s" % (", ".join(keys), why) for why, keys in by_reason.items()]
        if name == "proof":
            n = sum(d["n"] for d in s.done.values())
            bad = [b for d in s.done.values() for b in d["bad"]]
            if bad or fails:
                proved = n - len(bad) + sum(v[0] for k, v in s.progress.items() if k in s.failed)
                detail = "NOT proved: %s (%d obligations proved)" % (
                    "; ".join([nm for nm, _ in bad] + fails), proved)
                detail += "".join("\n%s: %s" % (nm, why) for nm, why in bad if why)
                return StepResult(name, False, detail, s.seconds)
            return StepResult(name, True, "%d properties proved (unbounded: any number of threads, "
                              "any shape)" % n, s.seconds)
        if name == "variants":
            bad = [k for k, d in s.done.items() if not d["refuted"]]
            if bad or fails:
                return StepResult(name, False, "NOT refuted: %s (%d of %d refuted)" % (
                    "; ".join(bad + fails), len(s.done) - len(bad), len(self.plan.variants)),
                    s.seconds)
            return StepResult(name, True, "%d broken variants refuted" % len(s.done), s.seconds)
        if name == "mutants":
            lost = [k for k, d in s.done.items() if not d["refuted"]]
            line = "spec mutants refuted: %d/%d" % (len(s.done) - len(lost), len(self.plan.mutants))
            if len(s.done) - len(lost) < len(self.plan.mutants):
                head = line + (" — NOT refuted: " + ", ".join(lost) if lost else "")
                reasons = [s.done[k]["describe"].splitlines()[0] for k in lost]
                return StepResult(name, False, "\n".join(["; ".join([head] + fails)] + reasons),
                                  s.seconds)
            return StepResult(name, True, line + " (each with a counterexample to induction)",
                              s.seconds)
        depth, budget = self.plan.depth, "budget %.0f s" % self.plan.seconds
        r = s.done.get(depth)
        if r is None or r["bad"]:
            why = s.failed.get(depth) or "\n".join(r["bad"] if r else ["not run"])
            return StepResult(name, False, "FAILED at depth %d (%s): %s" % (depth, budget, why),
                              s.seconds)
        nxt = next_depth_at(depth)
        more = "; depth %d from %.0f s" % (depth + 1, nxt) if nxt is not None else ""
        return StepResult(name, True, "%d small scenes explored to depth %d (%s%s): no deadlock, "
                          "no use after free, all threads can finish" % (r["n"], depth, budget, more),
                          s.seconds)

    def results(self) -> List[StepResult]:
        return [self.local.get(n) or StepResult(n, False, "not run") if n in LOCAL_STEPS
                else self.z3_result(n) for n in STEP_ORDER]


def _headline(r: StepResult) -> str:
    return ("ok" if r.ok else "FAILED") + (" — " + r.detail.splitlines()[0] if r.detail else "")


def verify(seconds: float, threads: int, seed: int, out: Path,
           say_line: Callable[[str], None] = lambda s: print(s, flush=True),
           start: Optional[float] = None, cluster: Optional[ClusterOptions] = None,
           programs: Optional[int] = None) -> int:
    """Runs every step within `seconds` (see the module doc); prints progress and the summary
    table; returns 0 when everything is verified, else 1. `start`: time.monotonic() when the
    command started (the budget counts from there). `cluster`: run the hunt there
    (pybskip.cluster); `programs`: the hunt's work size (all of it must be checked)."""
    start = time.monotonic() if start is None else start
    plan = make_plan(seconds)

    def say(msg: str) -> None:
        say_line("[%5.1fs] %s" % (time.monotonic() - start, msg))

    say_line("pybskip verify: budget %.0fs, up to %d threads per program, seed %d, output in %s"
             % (seconds, threads, seed, out))
    say("plan: %d Z3 workers: proof (%d parts), %d variants, %d spec mutants, bounded scenes to "
        "depth %d (~%.0f s); sequential, trace, then histories until %.0fs" % (
            plan.workers, PROOF_PARTS, len(plan.variants), len(plan.mutants), plan.depth,
            z3_seconds(plan.depth), plan.hunt_end))
    if cluster is not None:
        from .cluster import pool_size

        say("histories: on %s" % ("the Dask cluster at %s" % cluster.scheduler if cluster.scheduler
                                  else "%d local worker processes" % pool_size(cluster.workers)))
    warning = busy_warning(plan, busy_cpus())
    if warning:
        say("warning: " + warning)
    ctx = get_context("spawn")
    results_q: Any = ctx.Queue()
    tasks_q: Any = ctx.Queue()
    for task in plan.tasks:
        tasks_q.put(task)
    for _ in range(plan.workers):
        tasks_q.put(None)
    z3procs = [ctx.Process(target=_z3_worker, args=(i, tasks_q, results_q), daemon=True,
                           name="pybskip-verify-z3-%d" % i) for i in range(plan.workers)]
    go = ctx.Event()  # set when a CPU is free of Z3 work: the hunt starts then
    # with a cluster the C worker starts processes of its own (a LocalCluster): not a daemon
    local = ctx.Process(target=_local_worker, daemon=cluster is None, name="pybskip-verify-c",
                        args=(results_q, seed, threads, str(out), start + plan.hunt_end, go,
                              HUNT_NICE, cluster, programs))
    procs = z3procs + [local]
    run = _Run(plan, say, start)
    # The workers ignore Ctrl-C (they inherit SIG_IGN across spawn's exec): this process alone
    # handles it, stops them, and exits 130 with one line.
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        old = None
    try:
        for p in procs:
            p.start()
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)
    try:
        _schedule(run, z3procs, local, results_q, go)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=2.0)
        tasks_q.cancel_join_thread()
    results = run.results()
    _print_summary(results, time.monotonic() - start, seconds, say_line)
    return 0 if all(r.ok for r in results) else 1


def _schedule(run: _Run, z3procs: List[Any], local: Any, results_q: Any, go: Any) -> None:
    """Reads the workers' reports until every step has a result; lets the hunt start when a Z3
    worker has nothing left to take; stops whatever still runs at the end of the budget."""
    plan = run.plan
    end = run.start + plan.end
    while True:
        now = time.monotonic()
        wait = min(PROGRESS_EVERY - (now - run.last_line), end - now, 1.0)
        try:
            run.handle(results_q.get(timeout=max(0.05, wait)))
            quiet = False
        except queue.Empty:
            quiet = True
        if not run.local_missing() and run.z3_finished():
            return
        now = time.monotonic()
        if now >= end:
            _out_of_time(run, z3procs, local, results_q, run.start + plan.seconds - 0.3)
            return
        if quiet:
            _reap(run, z3procs, local, results_q)
        if not go.is_set() and run.z3_cpu_free():
            go.set()
        if now - run.last_line >= PROGRESS_EVERY:
            run.say("running: " + run.status())


def _out_of_time(run: _Run, z3procs: List[Any], local: Any, results_q: Any,
                 last: float) -> None:
    """The end of the budget: the Z3 workers are stopped (what they had not finished is FAILED),
    the hunt (which ended RESERVE earlier, but runs niced) gets the CPUs until `last` to report,
    then it is stopped too: its result is then what its last report counted."""
    for p in z3procs:
        if p.is_alive():
            p.terminate()
    while run.local_missing() and local.is_alive() and time.monotonic() < last:
        try:
            run.handle(results_q.get(timeout=max(0.01, last - time.monotonic())))
        except queue.Empty:
            break
    if local.is_alive():
        local.terminate()
    _drain(run, results_q)
    for task, since in run.inflight.values():
        run.fail_task(task, "not finished within the budget (stopped after %.0f s)"
                      % (time.monotonic() - since))
    for task in run.plan.tasks:
        run.fail_task(task, "not begun within the budget")
    c = run.local_progress if run.local_running == "histories" else {}
    for name in run.local_missing():
        if name == "histories" and c.get("histories"):
            unknown = c["verdicts"].get("unknown", 0)
            run.local[name] = StepResult(name, not unknown, "%s; stopped at the end of the budget "
                                         "before its last report%s" % (
                                             _hunt_counts(c["programs"], c["histories"],
                                                          c["operations"], c["verdicts"],
                                                          c["seconds"]),
                                             " — some histories timed out in the checker"
                                             if unknown else ""), c["seconds"])
        else:
            run.local[name] = StepResult(name, False, "not finished within the budget")
    failed = ["%s FAILED" % r.name for r in run.results() if not r.ok]
    run.say("the budget is spent: %s" % (", ".join(failed) or "every step had finished"))


def _reap(run: _Run, z3procs: List[Any], local: Any, results_q: Any) -> None:
    """Turns dead workers into FAILED steps."""
    if run.local_missing() and not local.is_alive():
        _drain(run, results_q)
        why = "the worker process died (%s)" % _exit_text(local.exitcode)
        missing = run.local_missing()
        first = run.local_running if run.local_running in missing else (missing or [""])[0]
        for name in missing:
            run.local[name] = StepResult(name, False, why if name == first else "not run: " + why)
        run.local_running = None
    for wid, p in enumerate(z3procs):
        if wid in run.inflight and not p.is_alive():
            _drain(run, results_q)
            if wid in run.inflight:
                task, _ = run.inflight.pop(wid)
                run.fail_task(task, "the Z3 worker died (%s)" % _exit_text(p.exitcode))
    if not any(p.is_alive() for p in z3procs) and not run.z3_finished():
        _drain(run, results_q)
        for task in run.plan.tasks:  # nobody is left to take them
            run.fail_task(task, "not run: every Z3 worker died")


def _drain(run: _Run, results_q: Any) -> None:
    while True:
        try:
            run.handle(results_q.get(timeout=0.1))
        except queue.Empty:
            return


def _exit_text(code: Optional[int]) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit status %d" % code


def _print_summary(results: Sequence[StepResult], total: float, budget: float,
                   say: Callable[[str], None]) -> None:
    say("")
    say("%-11s %-7s %8s  %s" % ("step", "result", "time", "details"))
    say("%-11s %-7s %8s  %s" % ("-" * 11, "-" * 7, "-" * 8, "-" * 40))
    for r in results:
        lines = r.detail.splitlines() or [""]
        say("%-11s %-7s %7.1fs  %s" % (r.name, "ok" if r.ok else "FAILED", r.seconds, lines[0]))
        for extra in lines[1:]:
            say("%-11s %-7s %8s  %s" % ("", "", "", extra))
    verified = all(r.ok for r in results)
    say("")
    say("%s in %.1fs (budget %.0fs)" % ("VERIFIED" if verified else "NOT VERIFIED", total, budget))


if __name__ == "__main__":  # pragma: no cover - run through `pybskip verify`
    sys.exit("use `pybskip verify`")
