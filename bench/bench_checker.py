"""bench_checker.py — how fast the checker decides the third-party histories in tests/data/.

    python bench/bench_checker.py [DATA_DIR] [--repeat N]      (after `pip install .`)

Prints a table: per format, the number of histories, the total time to load + check them
(verdict only: check(..., minimize=False)), the total check time alone, and the slowest single
history; then the whole folder, and `c10-ok` checked with the kv model *without* partitioning
(one search over all keys). Each figure is the best of --repeat runs (default 3). Every verdict is
compared with the expected one (VERDICTS.txt, -ok/-bad names); a disagreement exits 1.
Targets (issue 5): the whole folder < 1 s; c10-ok unpartitioned < 1 s.
DATA_DIR defaults to the checkout's tests/data/ (the histories the tests use).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from pybskip.checkers import History, check

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from thirdparty_data import DATA, expected_verdicts  # noqa: E402  (tests/ is not a package)


def _run_once(files: Dict[Path, str]) -> Tuple[Dict[str, List[float]], Dict[str, List[float]],
                                              List[Tuple[float, Path]], List[str]]:
    total: Dict[str, List[float]] = {}
    checking: Dict[str, List[float]] = {}
    per_file: List[Tuple[float, Path]] = []
    wrong: List[str] = []
    for f, want in files.items():
        fmt = f.parent.name
        t0 = time.perf_counter()
        h = History.load(f)
        t1 = time.perf_counter()
        r = check(h, minimize=False)
        t2 = time.perf_counter()
        total.setdefault(fmt, []).append(t2 - t0)
        checking.setdefault(fmt, []).append(t2 - t1)
        per_file.append((t2 - t0, f))
        if r.verdict != want:
            wrong.append("%s: expected %s, got %s" % (f, want, r.verdict))
    return total, checking, per_file, wrong


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python bench/bench_checker.py")
    ap.add_argument("data", nargs="?", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    data = Path(args.data) if args.data else DATA
    if not data.is_dir():
        print("no data folder at %s" % data, file=sys.stderr)
        return 2
    files = expected_verdicts(data)
    best = None
    for _ in range(max(1, args.repeat)):
        run = _run_once(files)
        if best is None or sum(map(sum, run[0].values())) < sum(map(sum, best[0].values())):
            best = run
    assert best is not None
    total, checking, per_file, wrong = best
    print("%-14s %6s %12s %12s   %s" % ("format", "files", "load+check s", "check s", "slowest (load+check)"))
    for fmt in sorted(total):
        slow_t, slow_f = max((t, f) for t, f in per_file if f.parent.name == fmt)
        print("%-14s %6d %12.4f %12.4f   %s %.4f s" % (fmt, len(total[fmt]), sum(total[fmt]),
                                                       sum(checking[fmt]), slow_f.name, slow_t))
    slow_t, slow_f = max(per_file)
    print("%-14s %6d %12.4f %12.4f   %s %.4f s" % ("ALL", len(per_file), sum(map(sum, total.values())),
                                                   sum(map(sum, checking.values())),
                                                   slow_f.parent.name + "/" + slow_f.name, slow_t))
    c10 = data / "porcupine-kv" / "c10-ok.txt"
    if c10.exists():
        h = History.load(c10)
        times = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            r = check(h, "kv", partition=False, minimize=False)
            times.append(time.perf_counter() - t0)
        print("c10-ok, kv model, unpartitioned: %s in %.4f s (%d search steps)"
              % (r.verdict, min(times), r.explored))
        if r.verdict != "ok":
            wrong.append("c10-ok unpartitioned: %s" % r.verdict)
    for w in wrong:
        print("WRONG VERDICT: " + w)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
