#!/usr/bin/env python3
"""bench.py — one command for the side-by-side benchmarks (issue 8): builds and runs everything,
writes bench/results.json and bench/results.png, prints the table (ci/bench_report.py).

    python ci/bench.py [--quick] [--reps R] [--sections core,sweep,python] [--threads 1,2,...]
                       [--merge]

What runs (each measurement R times, default 3; the report takes medians):
  core    core_c/bench/build/bskip_bench for every map (bskip, tbb, cds, lockskip, sorted) and
          the Java ConcurrentSkipListMap harness (bench/java) on the same dumped streams; sizes
          10^6 (uniform and zipfian) and 10^7 (uniform); 1 and 2 threads; six YCSB-like workloads.
  sweep   pybskip's core alone at 10^6 keys, 1 thread: node_bytes 256..4096 at the default
          promote_prob, and promote_prob = X / capacity for X in 2, 1, 1/2, 1/4 at 1024 and 2048 B.
  python  python -m pybskip.bench --json (SkipMap vs SortedDict / dict, and the --gil ratio).
--quick: 10^5 keys, uniform, 1 rep, short streams, small sweep (< 2 minutes; CI smoke test).
--threads: the core section's thread counts instead of 1,2 (thread scaling on a many-core machine:
  --sections core --threads 1,2,4,8,16); the report's ratios and targets read the 1- and 2-thread
  rows.
Installs nothing: peers that are missing (libtbb-dev, libcds-dev, openjdk-17-jdk-headless,
matplotlib) are recorded as skipped with the reason. Never asserts speed.
Exit codes: 0 ok, 1 a build or a run failed (its stderr is printed).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ci"))
import bench_report  # noqa: E402  (ci/bench_report.py: medians, ratios, table, plot)

DRIVER_IN_TREE = os.path.join("core_c", "bench", "build", "bskip_bench")
DRIVER = os.path.join(ROOT, DRIVER_IN_TREE)
JAVA_DIR = os.path.join(ROOT, "bench", "java")
C_MAPS = ["bskip", "tbb", "cds", "lockskip", "sorted"]


def sh(cmd: list[str], timeout: float | None = None, cwd: str = ROOT,
       ok: tuple[int, ...] = (0, 2)) -> str:
    """Runs cmd in cwd; returns stdout; exits 1 with its stderr when its exit status is not in
    `ok` (by default 0, or 2: the driver's "map not available", a JSON skip row)."""
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if p.returncode not in ok:
        sys.stderr.write("FAILED: %s\n%s%s" % (" ".join(cmd), p.stdout[-2000:], p.stderr[-4000:]))
        sys.exit(1)
    return p.stdout


def rows(out: str, **tags) -> list[dict]:
    res = []
    for line in out.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            d.update(tags)
            res.append(d)
    return res


def build_core(tree: str = ROOT) -> str:
    """Builds the release library and the C driver of the checkout at `tree` (ci/bench_ab.py
    builds a second one); returns the driver's path. A failed make exits 1 (make's 2 is a failure
    here, not the driver's skip)."""
    for target in (["-C", "core_c", "lib"], ["-C", "core_c/bench"]):
        sh(["make", "-s", "-j2"] + target, cwd=tree, ok=(0,))
    return os.path.join(tree, DRIVER_IN_TREE)


def build() -> bool:
    """Builds the core library, the C driver and (when javac exists) the Java harness."""
    build_core()
    if shutil.which("javac") and shutil.which("java"):
        os.makedirs(os.path.join(JAVA_DIR, "build"), exist_ok=True)
        sh(["javac", "-d", os.path.join(JAVA_DIR, "build"), os.path.join(JAVA_DIR, "CslmBench.java")])
        return True
    return False


def run_java(n: int, dist: str, threads: int, ops: int, tmp: str, rep: int, quick: bool) -> list[dict]:
    path = os.path.join(tmp, "streams-%d-%s-%d.bin" % (n, dist, threads))
    if not os.path.exists(path):
        sh([DRIVER, "--dump", path, "--n", str(n), "--dist", dist, "--threads", str(threads),
            "--ops", str(ops)])
    heap = "-Xms4g" if n >= 10**7 else "-Xms1g"
    out = sh(["java", heap, "-Xmx8g", "-cp", os.path.join(JAVA_DIR, "build"), "CslmBench", path,
              str(n), dist, str(threads), "1" if quick else "2"])
    return rows(out, section="core", rep=rep)


def core(cfg: dict, have_java: bool, log) -> list[dict]:
    res: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bskip-bench-") as tmp:
        for n, dists, thread_counts in cfg["grid"]:
            for dist in dists:
                for threads in thread_counts:
                    for rep in range(cfg["reps"]):
                        for m in C_MAPS:
                            t0 = time.time()
                            out = sh([DRIVER, "--map", m, "--n", str(n), "--dist", dist,
                                      "--threads", str(threads), "--ops", str(cfg["ops"])])
                            res += rows(out, section="core", rep=rep)
                            log("core n=%d %s T=%d rep %d %s: %.1fs" % (n, dist, threads, rep, m, time.time() - t0))
                        if have_java:
                            t0 = time.time()
                            res += run_java(n, dist, threads, cfg["ops"], tmp, rep, cfg["quick"])
                            log("core n=%d %s T=%d rep %d java: %.1fs" % (n, dist, threads, rep, time.time() - t0))
                        else:
                            res.append({"map": "java_cslm", "n": n, "dist": dist, "threads": threads,
                                        "workload": "all", "section": "core", "rep": rep,
                                        "skipped": "javac/java not found (apt-get install openjdk-17-jdk-headless)"})
    return res


def sweep(cfg: dict, log) -> list[dict]:
    res = []
    for nb, per_cap in cfg["sweep"]:
        for rep in range(cfg["reps"]):
            cmd = [DRIVER, "--map", "bskip", "--n", str(cfg["sweep_n"]), "--ops", str(cfg["ops"]),
                   "--workloads", "load,read,update50,scan100", "--node-bytes", str(nb)]
            if per_cap:
                cmd += ["--promote-per-cap", str(per_cap)]
            res += rows(sh(cmd), section="sweep", rep=rep)
        log("sweep node_bytes=%d promote_per_cap=%s" % (nb, per_cap or "default"))
    return res


def python_bench(cfg: dict, log) -> dict:
    """Runs the *installed* pybskip's bench (cwd outside the repository, whose pybskip/ source
    directory has no compiled extension in a fresh clone); records why when it cannot run."""
    reps = []
    for rep in range(cfg["reps"]):
        cmd = [sys.executable, "-m", "pybskip.bench", "--json", "--repeat", "1", "--n", str(cfg["py_n"])]
        p = subprocess.run(cmd, cwd=tempfile.gettempdir(), capture_output=True, text=True)
        if p.returncode != 0:
            return {"reps": reps, "skipped": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
        reps.append(json.loads(p.stdout))
        log("python rep %d" % rep)
    return {"reps": reps}


def config(quick: bool, reps: int | None, threads: list[int] | None = None) -> dict:
    ts = threads or [1, 2]
    if quick:
        return {"quick": True, "reps": reps or 1, "ops": 20000,
                "grid": [(10**5, ["uniform"], ts)],
                "sweep_n": 10**5, "sweep": [(512, 0), (1024, 0), (1024, 1.0)], "py_n": 10**5}
    sweep_pts = [(nb, 0) for nb in (256, 512, 1024, 2048, 4096)]
    sweep_pts += [(nb, x) for nb in (1024, 2048) for x in (2.0, 1.0, 0.5, 0.25)]
    return {"quick": False, "reps": reps or 3, "ops": 300000,
            "grid": [(10**6, ["uniform", "zipf"], ts), (10**7, ["uniform"], ts)],
            "sweep_n": 10**6, "sweep": sweep_pts, "py_n": 10**6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="< 2 minutes; CI smoke test")
    ap.add_argument("--reps", type=int, help="repetitions per measurement (default 3, quick 1)")
    ap.add_argument("--sections", default="core,sweep,python")
    ap.add_argument("--merge", action="store_true", help="keep other sections of an existing results file")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results.json"))
    ap.add_argument("--threads", help="core section thread counts, comma-separated (default 1,2)")
    a = ap.parse_args()
    threads = None
    if a.threads is not None:
        try:
            threads = [int(t) for t in a.threads.split(",")]
        except ValueError:
            threads = []
        if not threads or min(threads) < 1:
            ap.error("--threads: comma-separated thread counts >= 1, e.g. 1,2,4,8,16")
    cfg = config(a.quick, a.reps, threads)
    sections = a.sections.split(",")
    t_start = time.time()

    def log(msg: str) -> None:
        print("[%5.0fs] %s" % (time.time() - t_start, msg), file=sys.stderr, flush=True)

    have_java = build()
    results: dict = {}
    if a.merge and os.path.exists(a.out):
        with open(a.out) as f:
            results = json.load(f)
    results.setdefault("runs", [])
    results["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "load_avg_at_start": os.getloadavg()}
    results["config"] = {k: v for k, v in cfg.items()}
    results["command"] = " ".join(["python ci/bench.py"] + sys.argv[1:])
    for sec in ("core", "sweep"):
        if sec in sections:
            results["runs"] = [r for r in results["runs"] if r.get("section") != sec]
            results["runs"] += core(cfg, have_java, log) if sec == "core" else sweep(cfg, log)
            bench_report.write(results, a.out)
    if "python" in sections:
        results["python"] = python_bench(cfg, log)
    results["seconds"] = round(time.time() - t_start, 1)
    bench_report.write(results, a.out)
    print(bench_report.table(results))
    png = bench_report.plot(results, os.path.join(os.path.dirname(a.out), "results.png"))
    print("results: %s\nplot: %s" % (os.path.relpath(a.out, ROOT), png or "skipped (matplotlib not installed)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
