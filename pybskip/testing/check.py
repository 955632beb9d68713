"""check.py — checks histories recorded by the executor with pybskip.checkers' `sortedmap` model.

`to_history(events)` converts executor Events into a checker History (inputs in the sortedmap
vocabulary, timestamps in CLOCK_MONOTONIC nanoseconds; a scan_desc over the closed [lo, hi] is
the model's reverse scan over [lo, hi + 1): {"f": "scan", "lo": lo, "hi": hi + 1, "limit": n,
"reverse": true}); `check_events` runs the checker (and on
failure its counterexample minimisation); `save_failure` writes the full history and the minimal
counterexample as JSON Lines plus an HTML visualisation, returning their paths.
"""
from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .._buffers import INT64_MAX
from ..checkers import History, Operation, Result, check
from .executor import Event
from .program import PUT, SCAN, SCAN_DESC, SELECT


def to_history(events: Sequence[Event], name: str = "") -> History:
    """Executor events as a checker History for the sortedmap model. O(n). A scan_desc whose
    hi is INT64_MAX has no half-open form: ValueError (the program generator never draws one)."""
    ops = []
    for e in events:
        op = e.op
        inp: Dict[str, Any]
        if op.kind == SCAN:
            inp = {"f": "scan", "lo": op.key, "hi": op.hi, "limit": op.limit}
        elif op.kind == SCAN_DESC:
            if op.hi >= INT64_MAX:
                raise ValueError("%s: the model's scan is half-open; hi + 1 is not an int64" % op)
            inp = {"f": "scan", "lo": op.key, "hi": op.hi + 1, "limit": op.limit, "reverse": True}
        elif op.kind == PUT:
            inp = {"f": "put", "key": op.key, "value": op.value}
        elif op.kind == SELECT:
            inp = {"f": "select", "index": op.key}
        else:  # get, delete, rank, index: the model's function of the same name
            inp = {"f": op.kind, "key": op.key}
        ops.append(Operation(e.client, inp, e.output, e.call_ns, e.return_ns))
    return History(ops, name, "sortedmap")


@dataclass
class CheckOutcome:
    verdict: str
    result: Result

    def describe(self) -> str:
        return self.result.describe()


def check_events(events: Sequence[Event], timeout: Optional[float] = 5.0) -> CheckOutcome:
    """Linearizability verdict of one executor history ("ok", "illegal" or "unknown")."""
    result = check(to_history(events), "sortedmap", timeout=timeout)
    return CheckOutcome(result.verdict, result)


_counter = itertools.count()


def save_failure(outcome: CheckOutcome, out_dir: Path) -> List[Path]:
    """Writes history.jsonl, counterexample.jsonl and counterexample.html into a fresh
    subdirectory of out_dir; returns the three paths."""
    d = Path(out_dir) / ("failure-%d-%d-%d" % (os.getpid(), int(time.time()), next(_counter)))
    d.mkdir(parents=True, exist_ok=True)
    r = outcome.result
    paths = [r.history.save(d / "history.jsonl")]
    if r.counterexample is not None:
        paths.append(r.counterexample.save(d / "counterexample.jsonl"))
    paths.append(r.to_html(d / "counterexample.html"))
    return paths
