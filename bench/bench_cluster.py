"""bench_cluster.py — programs checked per second by the history hunt, by where it runs.

    python bench/bench_cluster.py [--programs N] [--runs R] [--seed S] [--max-workers W]

The same work (N programs of the hunt, R runs each, one seed) in one process (pybskip.testing.
hunt.hunt), on a Dask LocalCluster of 1, 2, ... W worker processes (pybskip.cluster), and on a
cluster of a `dask scheduler` and two `dask worker` processes started here on 127.0.0.1 as a
user starts them on other machines, then the same with one of the two workers killed (SIGKILL)
once a quarter of the programs are checked: what a worker failure costs. One table: workers,
seconds, programs/s, the ratio to one process, and the programs digest (equal in every row: the
same programs were checked). Pool start-up is not timed (it is paid once per `pybskip verify`). Needs pybskip[cluster].
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

from pybskip.cluster import Pool, _distributed, hunt_on_pool, open_pool
from pybskip.testing.hunt import HuntReport, hunt


def _timed_pool(pool: Pool, programs: int, runs: int, seed: int,
                kill: Optional[subprocess.Popen] = None) -> Tuple[float, HuntReport]:
    """Seconds and report of the hunt on `pool`; `kill`: a worker process killed (SIGKILL) once
    a quarter of the programs are checked."""
    t0 = time.monotonic()

    def progress(r: HuntReport) -> None:
        if kill is not None and kill.poll() is None and r.programs >= programs // 4:
            os.killpg(kill.pid, signal.SIGKILL)

    r = hunt_on_pool(pool, 3600, seed=seed, programs=programs, runs_per_program=runs,
                     progress=progress, progress_every=0.1)
    return time.monotonic() - t0, r


def _dask_cluster(tmp: Path, workers: int) -> Tuple[str, List[subprocess.Popen]]:
    sched = tmp / "scheduler.json"
    log = open(tmp / "dask.log", "w")

    def dask(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=log,
                                start_new_session=True)

    procs = [dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                  "--scheduler-file", str(sched))]
    deadline = time.monotonic() + 60
    while not (sched.exists() and sched.read_text().strip()):
        if time.monotonic() > deadline:
            raise SystemExit("dask scheduler did not start: see %s" % (tmp / "dask.log"))
        time.sleep(0.1)
    time.sleep(0.2)
    address = json.loads(sched.read_text())["address"]
    procs += [dask("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard")
              for _ in range(workers)]
    return address, procs


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--programs", type=int, default=400)
    ap.add_argument("--runs", type=int, default=10, help="runs per program (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-workers", type=int, default=min(os.cpu_count() or 1, 16))
    args = ap.parse_args(argv)
    rows: List[Tuple[str, int, float, HuntReport]] = []
    t0 = time.monotonic()
    base = hunt(3600, seed=args.seed, programs=args.programs, runs_per_program=args.runs)
    rows.append(("one process (no pool)", 1, time.monotonic() - t0, base))
    n = 1
    while n <= args.max_workers:
        with open_pool(workers=n) as pool:
            secs, r = _timed_pool(pool, args.programs, args.runs, args.seed)
        rows.append(("LocalCluster", n, secs, r))
        n *= 2
    for kill in (False, True):
        with tempfile.TemporaryDirectory() as d:
            address, procs = _dask_cluster(Path(d), 2)
            try:
                with _distributed().Client(address) as c:
                    c.wait_for_workers(2, timeout=60)
                with open_pool(scheduler=address) as pool:
                    secs, r = _timed_pool(pool, args.programs, args.runs, args.seed,
                                          procs[1] if kill else None)
                rows.append(("dask scheduler + 2 dask workers" + (", one killed at 1/4" if kill
                                                                   else ""), 2, secs, r))
            finally:
                for p in reversed(procs):  # workers first: a worker without its scheduler lingers
                    if p.poll() is None:
                        os.killpg(p.pid, signal.SIGTERM)
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        os.killpg(p.pid, signal.SIGKILL)
                        p.wait()
    print("hunt of %d programs x %d runs, seed %d, on %d CPUs" % (
        args.programs, args.runs, args.seed, os.cpu_count() or 1))
    print("%-44s %7s %9s %11s %9s  %s" % ("where", "workers", "seconds", "programs/s", "vs one",
                                            "digest, verdicts"))
    one = rows[0][2]
    for name, w, secs, r in rows:
        print("%-44s %7d %9.2f %11.1f %8.2fx  %s %s%s" % (
            name, w, secs, r.programs / secs, one / secs, r.digest, dict(r.verdicts),
            "" if r.ok else " NOT ok: " + (r.incomplete or "failure")))
    same = len({r.digest for *_, r in rows}) == 1
    print("same programs in every row: %s" % ("yes" if same else "NO"))
    return 0 if same and all(r.ok for *_, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
