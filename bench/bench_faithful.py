"""bench_faithful.py — are the checker's minimal counterexamples faithful to the real fault? (issue 14)

    python bench/bench_faithful.py [--n N] [--seed S] [--model cas-register|kv|both] [--timeout T]
                                   [--require SHARE]                        (after `pip install .`)

What it measures: N planted histories per model (tests/planted.py): a simulated atomic object's
history, linearizable by construction, in which one completed read (get for kv) was changed to
another value the history writes so that it is no longer linearizable. That read is then the one
cause of the failure, so a faithful counterexample must contain it. For each history it runs
`check(h, model, timeout=T)` (minimisation on) and records:
  verdict illegal       histories the checker found illegal (all should be; "unknown" = timeout)
  cx has planted read   share of counterexamples containing the planted operation (compared by
                        object identity; the table also counts any counterexample operation that is
                        not an object of the history, and any disagreement between identity and
                        (client, call, ret, input, output) equality — both should be 0)
  cx illegal alone      share of counterexamples still non-linearizable when re-checked on their own
                        (`check(cx, model, minimize=False)`)
  cx minimal            share with Result.minimal (the minimisation reached its fixpoint in budget)
  median sizes          of the history, of the failing partition (kv checks each key apart) and of
                        the counterexample, and the median counterexample / partition ratio
  check s               total and slowest check() time (generation and re-checks not included)
How to read it: "cx has planted read" is the faithfulness figure; 1.000 means every counterexample
shows the real fault. Below that, the minimiser deleted the write that justified some read and so
manufactured a conflict the real history does not have. "cx illegal alone" below 1.000 would mean
counterexamples that are not even failing histories. Exit 0 unless it crashes; with --require SHARE,
exit 1 when a model's "cx has planted read" share is below SHARE.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from pybskip.checkers import Operation, check

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from planted import MODELS, planted_cases  # noqa: E402  (tests/ is not a package)


def _key(op: Operation) -> Tuple[Any, ...]:
    return (op.client, op.call, op.ret, repr(sorted(op.input.items())), repr(op.output))


def measure(model: str, n: int, seed: int, timeout: Optional[float]) -> Dict[str, Any]:
    """Runs the N planted histories of `model`; returns the figures (see the module doc)."""
    t0 = time.perf_counter()
    cases = list(planted_cases(model, n, seed))
    gen_s = time.perf_counter() - t0
    illegal = unknown = hit = alone = minimal = foreign = disagree = 0
    h_sizes: List[int] = []
    p_sizes: List[int] = []
    cx_sizes: List[int] = []
    ratios: List[float] = []
    times: List[float] = []
    for case in cases:
        t = time.perf_counter()
        r = check(case.planted, model, timeout=timeout)
        times.append(time.perf_counter() - t)
        h_sizes.append(len(case.planted))
        if r.verdict != "illegal":
            unknown += r.verdict == "unknown"
            continue
        illegal += 1
        cx = r.counterexample
        assert cx is not None and r.partition is not None
        ids = {id(o) for o in case.planted}
        foreign += sum(id(o) not in ids for o in cx)
        by_id = any(o is case.op for o in cx)
        by_key = any(_key(o) == _key(case.op) for o in cx)
        disagree += by_id != by_key
        hit += by_id
        alone += check(cx, model, minimize=False).verdict == "illegal"
        minimal += bool(r.minimal)
        p_sizes.append(len(r.partition))
        cx_sizes.append(len(cx))
        ratios.append(len(cx) / len(r.partition))
    med = statistics.median
    return {"model": model, "n": len(cases), "illegal": illegal, "unknown": unknown,
            "hit": hit / max(1, illegal), "alone": alone / max(1, illegal),
            "minimal": minimal / max(1, illegal), "foreign": foreign, "disagree": disagree,
            "h": med(h_sizes) if h_sizes else 0, "p": med(p_sizes) if p_sizes else 0,
            "cx": med(cx_sizes) if cx_sizes else 0, "ratio": med(ratios) if ratios else 0.0,
            "check_s": sum(times), "slowest_s": max(times, default=0.0), "gen_s": gen_s}


ROWS = [("histories", "%d", "n"), ("verdict illegal", "%d", "illegal"), ("verdict unknown", "%d", "unknown"),
        ("cx has planted read", "%.3f", "hit"), ("cx illegal alone", "%.3f", "alone"),
        ("cx minimal", "%.3f", "minimal"), ("cx ops not from history", "%d", "foreign"),
        ("identity != equality", "%d", "disagree"), ("median history ops", "%g", "h"),
        ("median partition ops", "%g", "p"), ("median cx ops", "%g", "cx"),
        ("median cx / partition", "%.3f", "ratio"), ("check s (total)", "%.3f", "check_s"),
        ("check s (slowest)", "%.4f", "slowest_s"), ("generate s", "%.3f", "gen_s")]


def table(results: List[Dict[str, Any]]) -> str:
    """The figures of every model side by side: one row per figure, one column per model."""
    lines = ["%-24s" % "" + "".join("%14s" % r["model"] for r in results)]
    for label, fmt, k in ROWS:
        lines.append("%-24s" % label + "".join("%14s" % (fmt % r[k]) for r in results))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python bench/bench_faithful.py",
                                 description="faithfulness of minimal counterexamples (issue 14)")
    ap.add_argument("--n", type=int, default=500, help="planted histories per model (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", choices=list(MODELS) + ["both"], default="both")
    ap.add_argument("--timeout", type=float, default=10.0, help="check() timeout per history, s")
    ap.add_argument("--require", type=float, default=None, metavar="SHARE",
                    help="exit 1 if a model's 'cx has planted read' share is below SHARE")
    args = ap.parse_args(argv)
    models = list(MODELS) if args.model == "both" else [args.model]
    results = [measure(m, args.n, args.seed, args.timeout) for m in models]
    print("planted histories: n=%d per model, seed=%d, timeout=%g s" % (args.n, args.seed, args.timeout))
    print(table(results))
    if args.require is not None:
        low = [r["model"] for r in results if r["hit"] < args.require]
        if low:
            print("below --require %g: %s" % (args.require, ", ".join(low)))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
