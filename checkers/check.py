"""check.py — `check(history, model)`: the verdict, the failing partition, a minimal counterexample.

Steps: the model partitions the history (P-compositionality: a history is linearizable iff each
independent part is); each part is checked by the C engine (built-in models natively, Python
models through callbacks). For an illegal part the counterexample is minimised: chunks, then
single operations, are removed while the remainder stays non-linearizable, until no single
operation can be removed (1-minimal). The longest partial linearization of the minimal history is
reported. Timeouts give "unknown", never a wrong verdict; the timeout bounds each engine call, and
minimisation stops early (keeping a smaller but still failing history) when its own budget runs out.
Complexity: the search is exponential in the worst case (linearizability checking is NP-complete)
but memoised; minimisation costs O(n log n) to O(n^2) engine calls on the failing part.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _cengine as C
from ._cengine import Encoded, Illegal, encode_times, run_builtin, run_python_model
from .history import History, Operation
from .models import UNKNOWN, Model, ModelInputError, get_model


@dataclass
class Result:
    """The outcome of check(). verdict: "ok" | "illegal" | "unknown"."""

    verdict: str
    model: Model
    history: History
    partition: Optional[History] = None
    counterexample: Optional[History] = None
    partial_linearizations: List[List[Operation]] = field(default_factory=list)
    explored: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def describe(self) -> str:
        """A readable report: verdict line, then the counterexample as a per-client timeline."""
        from .report import describe

        return describe(self)

    def to_html(self, path: Any) -> Any:
        """Writes a self-contained HTML visualisation of the counterexample (or history)."""
        from .report import write_html

        return write_html(self, path)


def _engine_check(ops: Sequence[Operation], model: Model, timeout: Optional[float]
                  ) -> Tuple[str, List[int], int]:
    """One engine call: (verdict, longest partial linearization as indices into ops, steps)."""
    enc = Encoded()
    t = encode_times(ops)
    if model.builtin is not None:
        try:
            model.encode(ops, enc, t)  # type: ignore[attr-defined]
            return run_builtin(model.builtin, enc, timeout)
        except ModelInputError:
            raise
        except (TypeError, OverflowError, KeyError, IndexError, ValueError) as exc:
            validate = getattr(model, "validate", None)
            if validate is not None:
                validate(ops)  # raises ModelInputError naming the operation
            raise ModelInputError("%s model: malformed operation (%s: %s)"
                                  % (model.name, type(exc).__name__, exc)) from None
    w = enc.ops
    for op in ops:
        pending = op.ret is None
        w.extend((0, t(op.call), 0 if pending else t(op.ret), 0, C.PENDING if pending else 0,
                  0, 0, 0, 0, 0))
    enc.n = len(ops)

    def step(state: Any, index: int) -> Any:
        op = ops[index]
        ok, new = model.step(state, op.input, UNKNOWN if op.pending else op.output)
        if not ok:
            raise Illegal()
        return new

    return run_python_model(enc, model.init, step, model.key, timeout)


def check(history: Union[History, Sequence[Operation]], model: Any = "sortedmap",
          timeout: Optional[float] = None, *, partition: bool = True,
          minimize: bool = True) -> Result:
    """Checks `history` for linearizability against `model` (a Model or a built-in name).

    timeout: seconds per engine call (None = no limit); partition=False checks the history as one
    piece; minimize=False skips the counterexample minimisation.
    """
    start = time.monotonic()
    if not isinstance(history, History):
        history = History(list(history))
    m = get_model(model)
    parts = m.partition(history.operations) if partition else [list(history.operations)]
    verdict, explored = "ok", 0
    for part in parts:
        v, best, n = _engine_check(part, m, timeout)
        explored += n
        if v == "illegal":
            res = Result("illegal", m, history, history.subset(part), explored=explored)
            cx = _minimize(part, m, timeout) if minimize else list(part)
            res.counterexample = history.subset(cx, name=(history.name + " (minimal)").strip())
            _, best_cx, _ = _engine_check(cx, m, timeout)
            res.partial_linearizations = [[cx[i] for i in best_cx]]
            res.seconds = time.monotonic() - start
            return res
        if v == "unknown":
            verdict = "unknown"
    return Result(verdict, m, history, explored=explored, seconds=time.monotonic() - start)


def _illegal(ops: Sequence[Operation], model: Model, timeout: Optional[float]) -> bool:
    return bool(ops) and _engine_check(ops, model, timeout)[0] == "illegal"


def _minimize(ops: List[Operation], model: Model, timeout: Optional[float],
              budget: float = 30.0) -> List[Operation]:
    """Shrinks an illegal history to a 1-minimal illegal one (delta debugging, then singles)."""
    deadline = time.monotonic() + budget
    cur = list(ops)
    chunk = len(cur) // 2
    while chunk >= 1 and time.monotonic() < deadline:
        i, removed = 0, False
        while i < len(cur) and time.monotonic() < deadline:
            trial = cur[:i] + cur[i + chunk:]
            if _illegal(trial, model, timeout):
                cur, removed = trial, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    changed = True
    while changed and time.monotonic() < deadline:  # until no single removal keeps it illegal
        changed = False
        for i in range(len(cur)):
            trial = cur[:i] + cur[i + 1:]
            if _illegal(trial, model, timeout):
                cur, changed = trial, True
                break
    return cur
