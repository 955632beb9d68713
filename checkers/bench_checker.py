"""bench_checker.py — the checker against Porcupine on long generated key-value histories.

    python -m pybskip.checkers.bench_checker [--rows ROW,...] [--workers N] [--scale F] [--json]
    python -m pybskip.checkers.bench_checker --rows 16keys-8c-400k-ok --scaling 1,2,4,8,16
    pybskip bench-checker ...                     (the same)

Each row generates a history with histgen.generate_kv_log (seeded: the same history every run),
writes it in Porcupine's kv log format, and checks it in a fresh child process (so that the
peak memory is that row's alone): load (parse) is timed apart, then check(..., minimize=False)
and the verdict time (Result.timings["verdict"]: the search, what Porcupine's CheckOperations
does; the first failure of an illegal history is timed apart as "explain"). The table prints,
side by side: our verdict, seconds and peak memory (the child's maximum resident set, parsing
and Python included), Porcupine's figures and the figures of pybskip before issue 16 — both
measured on this machine kind on the histories of the same description; Porcupine itself
cannot be installed here, so compare the ratio column, not seconds across machines.
A row whose verdict is not the generator's (ok, or illegal with a planted stale read) makes
the exit status 1. --scale multiplies every row's size (a quick smoke run: --scale 0.02).
--scaling W,W,... prints instead each row's verdict time per worker count (parallel partitions:
the 16-key row has 16 of them) and the speedup over the first count.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from .histgen import generate_kv_log


@dataclass(frozen=True)
class Row:
    name: str
    ops: int
    clients: int
    keys: int
    stale: bool
    porcupine: str  # Porcupine's figure (issue 16's table), seconds and memory as measured
    porcupine_s: Optional[float]
    before: str  # pybskip before issue 16, same table


ROWS = (
    Row("1key-3c-50k-ok", 50_000, 3, 1, False, "0.9 s", 0.9, "3.8 s"),
    Row("1key-3c-50k-stale", 50_000, 3, 1, True, "2.1 s", 2.1, "9.7 s"),
    Row("1key-3c-200k-ok", 200_000, 3, 1, False, "ok in 28 s (8.6 GB)", 28.0,
        "unknown: memory exhausted at ~6.5 GB"),
    Row("1key-10c-10k-ok", 10_000, 10, 1, False, "82 s, 4.2 GB", 82.0, "37 s, 3.5 GB"),
    Row("4keys-3c-200k-ok", 200_000, 3, 4, False, "15.6 s", 15.6, "27.5 s"),
    Row("16keys-8c-400k-ok", 400_000, 8, 16, False, "-", None, "-"),  # for --scaling
)
DEFAULT_ROWS = ("1key-3c-50k-ok", "1key-3c-50k-stale", "1key-3c-200k-ok", "1key-10c-10k-ok",
                "4keys-3c-200k-ok")
BY_NAME = {r.name: r for r in ROWS}


def _history(row: Row, scale: float) -> Tuple[int, Any, float]:
    """The row's history, generated, written as a Porcupine kv log and loaded back: (its number
    of operations, the History, the seconds the load took)."""
    from . import History

    ops = max(8, int(row.ops * scale))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, row.name + ".txt")
        with open(path, "w") as f:
            f.write(generate_kv_log(ops, row.clients, row.keys, seed=16, stale_read=row.stale))
        t0 = time.perf_counter()
        h = History.load(path, model="kv")
        return ops, h, time.perf_counter() - t0


def _measure(row: Row, scale: float, workers: Optional[int]) -> Dict[str, Any]:
    """Runs one row in this process (the child): generate, write, load, check. Returns figures."""
    from . import check

    ops, h, load_s = _history(row, scale)
    t1 = time.perf_counter()
    r = check(h, "kv", minimize=False, workers=workers)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"row": row.name, "ops": ops, "verdict": r.verdict, "reason": r.unknown_reason,
            "load_s": load_s, "verdict_s": r.timings.get("verdict", t2 - t1),
            "explain_s": r.timings.get("first_failure", 0.0), "check_s": t2 - t1,
            "peak_bytes": peak, "steps": r.explored,
            "want": "illegal" if row.stale else "ok"}


def _child(name: str, scale: float, workers: Optional[int]) -> Dict[str, Any]:
    cmd = [sys.executable, "-m", "pybskip.checkers.bench_checker", "--child", name,
           "--scale", repr(scale)]
    if workers:
        cmd += ["--workers", str(workers)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"row": name, "verdict": "error", "error": (p.stderr.strip().splitlines() or ["?"])[-1],
                "want": "ok", "ops": 0}
    out: Dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


def _table(results: List[Dict[str, Any]]) -> str:
    head = "%-18s %8s %-8s %9s %9s %9s %-22s %7s  %s" % (
        "history", "ops", "verdict", "verdict s", "explain s", "peak MB", "Porcupine", "ratio",
        "pybskip before")
    lines = [head, "-" * len(head)]
    for res in results:
        row = BY_NAME[res["row"]]
        if res["verdict"] == "error":
            lines.append("%-18s error: %s" % (row.name, res["error"]))
            continue
        ratio = "%.2fx" % (res["verdict_s"] / row.porcupine_s) if row.porcupine_s and res["ops"] == row.ops else "-"
        verdict = res["verdict"] + ("" if res["reason"] is None else " (%s)" % res["reason"])
        lines.append("%-18s %8d %-8s %9.3f %9.3f %9.0f %-22s %7s  %s" % (
            row.name, res["ops"], verdict, res["verdict_s"], res["explain_s"],
            res["peak_bytes"] / 2**20, row.porcupine, ratio, row.before))
    lines.append("ratio: our verdict time / Porcupine's (shown only at full size); 'explain' is the "
                 "first failure of an illegal history, which Porcupine does not compute")
    return "\n".join(lines)


def _scaling(names: List[str], counts: List[int], scale: float) -> int:
    """Prints, per row and worker count, the whole verdict time (check(), Python encoding
    included) and the engine's alone (lc_check on the encoded partitions), each the best of 3,
    with the engine's speedup over the first count."""
    from . import _cengine as C
    from . import check
    from .check import _encode_part, default_max_memory
    from .models import get_model

    print("%-18s %8s %5s %8s %-8s %10s %9s %8s" % ("history", "ops", "parts", "workers", "verdict",
                                                    "verdict s", "engine s", "speedup"))
    wrong = 0
    model = get_model("kv")
    for name in names:
        row = BY_NAME[name]
        ops, h, _ = _history(row, scale)
        enc = C.Encoded()
        parts = model.partition(h.operations)
        for part in parts:
            _encode_part(part, model, enc)
        base = None
        for w in counts:
            whole = engine = float("inf")
            verdict = "?"
            for _ in range(3):
                r = check(h, "kv", minimize=False, workers=w)
                whole, verdict = min(whole, r.timings["verdict"]), r.verdict
                t0 = time.perf_counter()
                C.run("kv", enc, None, w, default_max_memory())
                engine = min(engine, time.perf_counter() - t0)
            base = engine if base is None else base
            wrong += verdict != ("illegal" if row.stale else "ok")
            print("%-18s %8d %5d %8d %-8s %10.3f %9.3f %7.2fx" % (name, ops, len(parts), w, verdict, whole,
                                                               engine, base / engine), flush=True)
    return 1 if wrong else 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pybskip.checkers.bench_checker",
                                 description="The checker on generated long kv histories, beside "
                                             "Porcupine's figures.")
    ap.add_argument("--rows", default=",".join(DEFAULT_ROWS),
                    help="comma-separated rows of %s (default: the first five, issue 16's table)"
                    % ", ".join(BY_NAME))
    ap.add_argument("--scaling", default=None, metavar="W,W,...",
                    help="instead of the table: each row's verdict time with each worker count "
                         "(best of 3, in this process), and the speedup over the first")
    ap.add_argument("--workers", type=int, default=None, help="check()'s workers (default: cores)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every row's size (default 1)")
    ap.add_argument("--json", action="store_true", help="print one JSON object per row instead")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_measure(BY_NAME[args.child], args.scale, args.workers)))
        return 0
    names = [n.strip() for n in args.rows.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown or not names or args.scale <= 0 or (args.workers is not None and args.workers < 1):
        ap.error("unknown rows %s (one of %s)" % (", ".join(unknown), ", ".join(BY_NAME))
                 if unknown else "need rows, --scale > 0 and --workers >= 1")
    if args.scaling is not None:
        try:
            counts = [int(w) for w in args.scaling.split(",")]
        except ValueError:
            counts = []
        if not counts or min(counts) < 1:
            ap.error("--scaling takes worker counts >= 1, e.g. 1,2,4,8,16")
        return _scaling(names, counts, args.scale)
    results = []
    for n in names:
        res = _child(n, args.scale, args.workers)
        results.append(res)
        if args.json:
            print(json.dumps(res), flush=True)
    if not args.json:
        print(_table(results))
    wrong = [r for r in results if r["verdict"] != r["want"]]
    for r in wrong:
        print("WRONG VERDICT: %s: expected %s, got %s" % (r["row"], r["want"], r["verdict"]), file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
