#!/usr/bin/env python3
"""bench_ab.py — a same-machine before/after of a core change: the driver of an earlier revision
and of the working tree run alternately, with TBB in the same run, and the medians printed side
by side.

    python ci/bench_ab.py [--before REV] [--n N ...] [--threads T ...] [--reps R] [--ops OPS]
                          [--workloads load,read,...]

REV (default HEAD) is exported with `git archive` into a temporary directory and its core and
driver built there with its own Makefiles; the working tree's are built in place. Each rep runs
before, after and tbb (in a rotated order, so neither build always runs first on a warm machine),
every one in a fresh process on the same key streams (the driver's default seed). Prints, per
(n, threads, workload): the median Mops/s of each, after/before, and after/tbb beside before/tbb
(the ratio issue 18's targets are stated in). The machines are shared and noisy: read a ratio
within about ±10% as a tie; more reps narrow it. Never asserts speed.
Exit codes: 0 ok, 1 a build or a run failed (its output is printed), 2 bad arguments.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ci"))
import bench  # noqa: E402  (ci/bench.py: build_core, sh, rows)


def export(rev: str, into: str) -> str:
    """The core_c directory of revision rev, unpacked under into."""
    arch = subprocess.run(["git", "archive", rev, "core_c"], cwd=ROOT, capture_output=True)
    if arch.returncode != 0:
        sys.exit("bench_ab: git archive %s failed: %s" % (rev, arch.stderr.decode().strip()))
    subprocess.run(["tar", "-x", "-C", into], input=arch.stdout, check=True)
    return into


def run(driver: str, m: str, n: int, threads: int, ops: int, workloads: str) -> dict:
    """One driver process: {workload: Mops/s}."""
    cmd = [driver, "--map", m, "--n", str(n), "--threads", str(threads), "--ops", str(ops),
           "--workloads", workloads]
    return {r["workload"]: r["mops"] for r in bench.rows(bench.sh(cmd, ok=(0,))) if "mops" in r}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", default="HEAD", help="git revision to compare against")
    ap.add_argument("--n", type=int, nargs="+", default=[10**6])
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ops", type=int, default=300000)
    ap.add_argument("--workloads", default="load,read,update95,update50,scan100")
    args = ap.parse_args()
    if args.reps < 1 or args.ops < 1:
        ap.error("--reps and --ops must be >= 1")
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        drivers = {"before": bench.build_core(export(args.before, tmp)), "after": bench.build_core()}
        drivers["tbb"] = drivers["after"]
        names = ["before", "after", "tbb"]
        print("| n | T | workload | before | after | tbb | after/before | before/tbb | after/tbb |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in args.n:
            for threads in args.threads:
                got: dict = {k: {} for k in names}
                for rep in range(args.reps):
                    for k in names[rep % 3:] + names[:rep % 3]:
                        m = "tbb" if k == "tbb" else "bskip"
                        for w, v in run(drivers[k], m, n, threads, args.ops, args.workloads).items():
                            got[k].setdefault(w, []).append(v)
                for w in args.workloads.split(","):
                    med = {k: statistics.median(got[k][w]) if got[k].get(w) else float("nan")
                           for k in names}
                    b, a, t = med["before"], med["after"], med["tbb"]
                    print("| %d | %d | %s | %.3f | %.3f | %.3f | %.2fx | %.2fx | %.2fx |"
                          % (n, threads, w, b, a, t, a / b, b / t, a / t), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
