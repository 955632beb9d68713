"""cli.py — the `pybskip` console command. `pybskip verify` runs the whole verification of the
installed library within a time budget and prints a summary table.

Steps (each reports ok/FAILED, what it counted, and its time); the three Z3 steps run in a child
process while the others run here, and the history hunt gets what is left of the budget:
  1. sequential   SkipMap against a dict on random operations, then validate()
  2. proof        Z3 proves the locking protocol deadlock-free for any number of threads and any
                  shape (pybskip.spec)
  3. bounded      the protocol explored exhaustively in small scenes (2-4 threads): no deadlock,
                  no use after free, every thread can finish (the model is not vacuous); to
                  depth 6 within the default minute, 8 (the spec tests' depth) from --seconds 150
  4. variants     Z3 refutes every known-broken variant of the protocol (the proof is not vacuous)
  5. trace        a lock trace recorded from a 4-thread run of the real C code conforms to the model
  6. histories    concurrent programs on real pthreads with schedule noise, every history checked
                  for linearizability (pybskip.checkers, sortedmap model), until the budget is spent
Exit status: 0 when everything is verified, 1 when something failed (the counterexample files are
listed), 2 on usage errors.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


def _say(msg: str) -> None:
    print(msg, flush=True)


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


def _all_hold(name: str, results: Sequence, holds: Callable[[Any], bool], ok_text: str,
              bad_prefix: str) -> StepResult:
    """One step over a list of Z3 results: ok when every result holds, else the names that fail."""
    bad = [r for r in results if not holds(r)]
    detail = ok_text % len(results) if not bad else bad_prefix + "; ".join(r.name for r in bad)
    return StepResult(name, not bad, detail)


def step_proof() -> StepResult:
    from . import spec

    return _all_hold("proof", spec.prove(), lambda r: r.proved, "%d properties proved",
                     "NOT proved: ")


def bounded_depth(seconds: float) -> int:
    """Steps the bounded scenes are unrolled to: 8 (as the spec's tests) when the budget allows,
    6 in the default minute (the Z3 steps then take about as long as the history hunt)."""
    return 8 if seconds >= 150 else 6


def step_bounded(depth: int) -> StepResult:
    from . import spec

    return _all_hold("bounded", spec.bounded_checks(depth), lambda r: r.ok,
                     "%%d small scenes explored to depth %d: no deadlock, no use after free, all "
                     "threads can finish" % depth, "FAILED: ")


def step_variants() -> StepResult:
    from . import spec

    return _all_hold("variants", spec.refute_variants(), lambda r: r.refuted,
                     "%d broken variants refuted", "NOT refuted: ")


def step_trace(out: Path, seed: int) -> StepResult:
    from . import spec
    from .testing.trace import record_trace

    path = out / "lock-trace.jsonl"
    events = record_trace(path, threads=4, seed=seed)
    report = spec.check_trace(path)
    if report.ok:
        return StepResult("trace", True, "%d lock events from 4 threads conform" % events)
    return StepResult("trace", False, "%s (trace: %s)" % (report.describe(), path))


def step_histories(seconds: float, threads: int, seed: int, out: Path) -> StepResult:
    from .testing.hunt import HuntReport, hunt

    tty = sys.stdout.isatty()
    last = [0.0]

    def progress(r: HuntReport) -> None:
        if not tty and r.seconds - last[0] < 5.0:  # a log gets a line every 5 s, a terminal more
            return
        last[0] = r.seconds
        line = "  histories %6d  operations %8d  %5.1fs / %.0fs" % (r.histories, r.operations,
                                                                 r.seconds, seconds)
        print(("\r" + line) if tty else line, end="" if tty else "\n", flush=True)

    report = hunt(seconds, seed=seed, max_threads=threads, out_dir=out, progress=progress)
    if tty:
        print()
    verdicts = ", ".join("%s %d" % kv for kv in sorted(report.verdicts.items()))
    detail = "%d programs, %d histories, %d operations (%s)" % (
        report.programs, report.histories, report.operations, verdicts or "none")
    if report.failure is not None:
        f = report.failure
        detail = "%s: %s\n%s\nprogram:\n%s" % (f.kind, detail, f.detail, f.program)
        if f.paths:
            detail += "\ncounterexample: " + ", ".join(str(p) for p in f.paths)
    elif report.verdicts.get("unknown"):
        detail += " — some histories timed out in the checker"
    return StepResult("histories", report.ok, detail)


def _timed(name: str, fn: Callable[[], StepResult]) -> StepResult:
    t0 = time.monotonic()
    try:
        r = fn()
    except Exception as exc:  # a step that crashes is a failed step, reported as such
        r = StepResult(name, False, "%s: %s" % (type(exc).__name__, exc))
    r.seconds = time.monotonic() - t0
    return r


def _spec_steps(depth: int) -> List[StepResult]:
    """The Z3 steps, run in a child process beside the history hunt (they share nothing)."""
    return [_timed("proof", step_proof), _timed("bounded", lambda: step_bounded(depth)),
            _timed("variants", step_variants)]


def verify(seconds: float, threads: int, seed: int, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    _say("pybskip verify: budget %.0fs, up to %d threads per program, seed %d, output in %s"
         % (seconds, threads, seed, out))
    start = time.monotonic()
    say = lambda msg: _say("[%5.1fs] %s" % (time.monotonic() - start, msg))  # noqa: E731
    results: List[StepResult] = []
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        say("proof, bounded, variants: Z3, in a child process ...")
        spec_job = pool.submit(_spec_steps, bounded_depth(seconds))
        for name, fn in (("sequential", lambda: step_sequential(seed)),
                         ("trace", lambda: step_trace(out, seed))):
            say("%s ..." % name)
            results.append(_timed(name, fn))
            say("%s: %s" % (name, "ok" if results[-1].ok else "FAILED"))
        remaining = max(10.0, seconds - (time.monotonic() - start))
        say("histories (%.0fs) ..." % remaining)
        results.append(_timed("histories", lambda: step_histories(remaining, threads, seed, out)))
        say("histories: %s" % ("ok" if results[-1].ok else "FAILED"))
        if not spec_job.done():
            say("waiting for the Z3 steps ...")
        try:
            spec_results = spec_job.result()
        except Exception as exc:  # the child died: every Z3 step failed
            spec_results = [StepResult("proof", False, "child process failed: %s" % exc)]
    for r in spec_results:
        say("%s: %s" % (r.name, "ok" if r.ok else "FAILED"))
    order = ["sequential", "proof", "bounded", "variants", "trace", "histories"]
    results = sorted(results + spec_results, key=lambda r: order.index(r.name))
    _print_summary(results, time.monotonic() - start)
    return 0 if all(r.ok for r in results) else 1


def _print_summary(results: Sequence[StepResult], total: float) -> None:
    _say("")
    _say("%-11s %-7s %8s  %s" % ("step", "result", "time", "details"))
    _say("%-11s %-7s %8s  %s" % ("-" * 11, "-" * 7, "-" * 8, "-" * 40))
    for r in results:
        lines = r.detail.splitlines() or [""]
        _say("%-11s %-7s %7.1fs  %s" % (r.name, "ok" if r.ok else "FAILED", r.seconds, lines[0]))
        for extra in lines[1:]:
            _say("%-11s %-7s %8s  %s" % ("", "", "", extra))
    verified = all(r.ok for r in results)
    _say("")
    _say("%s in %.1fs" % ("VERIFIED" if verified else "NOT VERIFIED", total))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pybskip", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify the installed library (proof, traces, histories)")
    v.add_argument("--seconds", type=float, default=60.0, help="time budget (default 60)")
    v.add_argument("--threads", type=int, default=8, help="max threads per program, 2..64 (default 8)")
    v.add_argument("--seed", type=int, default=None, help="random seed (default: drawn and printed)")
    v.add_argument("--out", type=Path, default=Path("pybskip-verify"),
                   help="directory for traces and counterexamples (default ./pybskip-verify)")
    args = parser.parse_args(argv)
    if not 2 <= args.threads <= 64:
        parser.error("--threads must be between 2 and 64")
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    return verify(args.seconds, args.threads, seed, args.out)


if __name__ == "__main__":
    sys.exit(main())
