#!/usr/bin/env python3
"""ci/mutants.py — proves the verification catches known-wrong variants of core_c.

Every patch in tests/mutants/ is applied to a fresh copy of core_c in a temporary directory, and
the copy is attacked within a time budget (default 60 s per mutant):
  0. trace validation: lock traces of the patched core (a random 4-thread program, and 4 threads
     of batch calls) are checked against the protocol's rules (pybskip.spec.check_trace), then a
     small 3-thread trace of a tall map is replayed through the model's transitions
     (pybskip.spec.replay); a trace that does not conform or replay catches it;
  1. the concurrent history hunt (pybskip.testing.hunt: random programs on pthreads with schedule
     noise, every history checked for linearizability, the structure validated after every run)
     against an instrumented cffi build of the patched sources, in a child process (so a crash
     cannot take this script down); the build is pybskip/_cffi_build.py's, with the flags that
     its read_flags() reads from the copy's core_c/flags.mk (the ones core_c's Makefiles use);
     a hunt still running 30 s past its budget has hung in the core (deadlock or livelock): caught;
     a hunt killed by a signal (the core crashed: SIGSEGV, or SIGABRT from glibc's heap checks):
     caught — the unpatched core never crashes it;
  2. if that did not catch it, the C test suite of the patched copy under ThreadSanitizer and then
     AddressSanitizer+UBSan (a sanitizer report, a failed check or a validate failure catches it).
Prints one line per mutant — caught or not, by what, how fast — and a last line
`mutants caught: K/N`. Exit status 0 only if every mutant was caught.
Needs: the package installed (pip install .), a C compiler, make and patch.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "tests" / "mutants"
HUNG_GRACE = 30.0  # seconds past its budget after which a hunt that has not returned is stuck

HUNT_CHILD = r"""
import json, os, sys, time
from pathlib import Path
tmp, budget, seed = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, str(tmp / "pybskip"))
import _cffi_build
ffi = _cffi_build._ffi("_mutant_cffi", _cffi_build.INSTRUMENT)  # core_c/flags.mk's, as pip builds it
lib_path = ffi.compile(tmpdir=str(tmp / "build"))
from pybskip.testing.executor import Engine
from pybskip.testing.hunt import hunt
from pybskip.testing.trace import TraceHung, record_batch_trace, record_trace
from pybskip.spec import check_trace
from pybskip.spec.replay import replay_trace
engine = Engine.load_file(lib_path, "_mutant_cffi")
t0 = time.monotonic()
(tmp / "out").mkdir(exist_ok=True)
for i, record in enumerate((record_trace, record_batch_trace)):  # trace validation first
    path = tmp / "out" / ("trace-%d.jsonl" % i)
    record(path, threads=4, seed=seed, engine=engine)
    rep = check_trace(path)
    if not rep.ok:
        print(json.dumps({"caught": True, "kind": "trace validation: " + str(rep.violation),
                          "histories": 0, "seconds": time.monotonic() - t0, "paths": [str(path)]}))
        sys.exit(0)
path = tmp / "out" / "trace-replay.jsonl"  # then a small trace of a tall map, through the model
try:
    record_trace(path, threads=3, max_ops=10, keys=24, seed=seed, engine=engine, promote_prob=0.5,
                 watchdog=20.0)
except TraceHung as hung:  # the partial trace says who was left inside an operation
    print(json.dumps({"caught": True, "kind": "trace: the run hung (%d events kept): %s" % (
        hung.events, check_trace(path).describe()), "histories": 0,
        "seconds": time.monotonic() - t0, "paths": [str(path)]}))
    sys.stdout.flush()
    os._exit(0)
rep = replay_trace(path)
if not rep.ok:
    print(json.dumps({"caught": True, "kind": "trace replay: " + str(rep.violation),
                      "histories": 0, "seconds": time.monotonic() - t0, "paths": [str(path)]}))
    sys.exit(0)
report = hunt(budget, engine=engine, seed=seed, out_dir=tmp / "out")
f = report.failure
print(json.dumps({"caught": f is not None, "kind": f.kind if f else None,
                  "histories": report.histories, "seconds": time.monotonic() - t0,
                  "paths": [str(p) for p in f.paths] if f else []}))
"""


def apply(patch: Path, tmp: Path) -> None:
    shutil.copytree(ROOT / "core_c", tmp / "core_c", ignore=shutil.ignore_patterns("build"))
    (tmp / "pybskip").mkdir()
    shutil.copy(ROOT / "pybskip" / "_cffi_build.py", tmp / "pybskip" / "_cffi_build.py")
    subprocess.run(["patch", "-s", "-p1", "-i", str(patch)], cwd=tmp, check=True)


def hunt_phase(tmp: Path, budget: float, seed: int) -> dict[str, Any]:
    try:
        proc = subprocess.run([sys.executable, "-c", HUNT_CHILD, str(tmp), str(budget), str(seed)],
                              capture_output=True, text=True, timeout=budget + HUNG_GRACE, cwd=tmp)
    except subprocess.TimeoutExpired:
        # The hunt stops at its budget on a correct core (its last check takes well under a
        # second); still running HUNG_GRACE s later, its threads are stuck in the core: a
        # deadlock or livelock, which `pybskip verify` reports as a failed step. Caught.
        return {"caught": True, "kind": "hung", "seconds": budget + HUNG_GRACE,
                "histories": 0, "hung": True}
    if proc.returncode != 0:
        why = "signal %d" % -proc.returncode if proc.returncode < 0 else "exit %d" % proc.returncode
        return {"caught": False, "crashed": why, "kind": None, "histories": 0,
                "stderr": proc.stderr[-2000:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


SANITIZER_MARKS = ("ThreadSanitizer", "AddressSanitizer", "runtime error", "CHECK failed",
                   "validate:", "LeakSanitizer")


def sanitizer_phase(tmp: Path, budget: float) -> str:
    """Runs the patched C tests under TSan then ASan; returns what caught it, or ''."""
    deadline = time.monotonic() + budget
    for target in ("tsan", "asan"):
        left = deadline - time.monotonic()
        if left <= 5:
            break
        env = dict(os.environ, BSKIP_TEST_SCALE="4")
        try:
            proc = subprocess.run(["make", "-s", "-C", "core_c", target], cwd=tmp, env=env,
                                  capture_output=True, text=True, timeout=left)
        except subprocess.TimeoutExpired:
            continue
        if proc.returncode != 0:
            out = proc.stdout + proc.stderr
            mark = next((m for m in SANITIZER_MARKS if m in out), "failed C test")
            return "%s (%s)" % (target, mark.rstrip(":"))
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per mutant (default 60)")
    ap.add_argument("--only", default=None, help="run only mutants whose name contains this")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    patches = sorted(p for p in MUTANTS.glob("*.patch") if not args.only or args.only in p.name)
    if not patches:
        print("no mutants found under %s" % MUTANTS)
        return 1
    caught = 0
    for patch in patches:
        name = patch.stem
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="mutant-") as d:
            tmp = Path(d)
            apply(patch, tmp)
            h = hunt_phase(tmp, args.budget * 0.5, args.seed)
            how = ""
            if h.get("hung"):
                how = "the hunt hanging: no verdict %.0f s past its %.0f s budget (deadlock or livelock)" % (
                    HUNG_GRACE, args.budget * 0.5)
            elif str(h.get("crashed", "")).startswith("signal"):
                # the unpatched core never kills the hunt: a signal (SIGSEGV, SIGABRT from
                # glibc's heap checks...) is the patched core corrupting memory or aborting
                how = "the hunt crashing (%s): the patched core corrupted memory or aborted" % (
                    h["crashed"])
            elif h.get("caught") and str(h["kind"]).startswith("trace "):
                how = "%s (after %.1fs)" % (h["kind"], h["seconds"])
            elif h.get("caught"):
                how = "%s history after %.1fs (%d histories)" % (h["kind"], h["seconds"], h["histories"])
            else:
                san = sanitizer_phase(tmp, max(10.0, args.budget - (time.monotonic() - start)))
                if san:
                    crash = " after the hunt %s" % h["crashed"] if h.get("crashed") else ""
                    how = "sanitizer/C tests: %s%s" % (san, crash)
        elapsed = time.monotonic() - start
        if how:
            caught += 1
            print("mutant %-36s caught in %5.1fs by %s" % (name, elapsed, how), flush=True)
        else:
            extra = " (hunt %s)" % h["crashed"] if h.get("crashed") else ""
            print("mutant %-36s NOT caught in %5.1fs%s" % (name, elapsed, extra), flush=True)
    print("mutants caught: %d/%d" % (caught, len(patches)))
    return 0 if caught == len(patches) else 1


if __name__ == "__main__":
    sys.exit(main())
