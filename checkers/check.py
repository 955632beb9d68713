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

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _cengine as C
from ._cengine import Encoded, Illegal, encode_times, run_builtin, run_python_model
from .history import History, Operation
from .models import UNKNOWN, Model, ModelInputError, get_model


@dataclass
class Result:
    """The outcome of check().

    verdict: "ok" | "illegal" | "unknown". For "illegal": `partition` is the failing partition,
    `counterexample` its minimal failing sub-history, `partial_linearizations` holds the longest
    partial linearization of that counterexample (a list of operations in linearization order).
    `explored` counts engine search steps; `seconds` is the wall time of check().
    """

    verdict: str
    model: Model
    history: History
    partition: Optional[History] = None
    counterexample: Optional[History] = None
    partial_linearizations: List[List[Operation]] = field(default_factory=list)
    explored: int = 0
    seconds: float = 0.0
    minimal: bool = False  # the counterexample is 1-minimal (no single op can be removed)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def describe(self) -> str:
        """A readable report: verdict line, then the counterexample as a per-client timeline."""
        from .report import describe

        return describe(self)

    def to_html(self, path: Union[str, os.PathLike[str]]) -> Path:
        """Writes a self-contained HTML visualisation of the counterexample (or history)."""
        from .report import write_html

        return write_html(self, path)


_READ_ONLY = frozenset(("read", "get", "scan"))


def _engine_check(ops: Sequence[Operation], model: Model, timeout: Optional[float]
                  ) -> Tuple[str, List[int], int]:
    """One engine call: (verdict, longest partial linearization as indices into ops, steps)."""
    enc = Encoded()
    t = encode_times(ops)
    if model.builtin is not None:
        kept = None
        if any(o.ret is None for o in ops):
            # A pending read constrains nothing and changes nothing: leave it out (search.c, 9).
            kept = [i for i, o in enumerate(ops) if o.ret is not None or o.f not in _READ_ONLY]
            ops = [ops[i] for i in kept]
        try:
            model.encode(ops, enc, t)
            verdict, lin, steps = run_builtin(model.builtin, enc, timeout)
            return verdict, (lin if kept is None else [kept[i] for i in lin]), steps
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


def check(history: Union[History, Sequence[Operation]], model: Union[Model, str, None] = None,
          timeout: Optional[float] = None, *, partition: bool = True,
          minimize: bool = True, minimize_timeout: float = 30.0) -> Result:
    """Checks `history` for linearizability against `model` (a Model or a built-in name).

    :param history: a History, or any sequence of Operation.
    :param model: a Model or "register" | "cas-register" | "kv" | "sortedmap"; None uses the
        history's own hint (set by the file readers), else "sortedmap".
    :param timeout: seconds for the whole verdict (None = no limit); when it runs out the verdict
        is "unknown", never a guess.
    :param partition: False checks the history as one piece (no P-compositional split).
    :param minimize: False skips the minimisation of a counterexample (the failing partition is
        reported as is); `minimize_timeout` bounds that minimisation (Result.minimal tells
        whether the 1-minimal fixpoint was reached).
    :returns: a Result. Complexity: NP-complete in general; the memoised search is
        exponential only in the number of concurrently pending operations, O(n) engine work per
        call on sequential histories, plus O(n) marshalling (about 0.6 us per operation).

    >>> from pybskip.checkers import Operation, check
    >>> ops = [Operation(0, {"f": "put", "key": 1, "value": 5}, None, 0, 10),
    ...        Operation(1, {"f": "get", "key": 1}, 5, 2, 12)]
    >>> check(ops, "sortedmap").verdict
    'ok'
    """
    start = time.monotonic()
    if not isinstance(history, History):
        history = History(list(history))
    if model is None:
        model = history.model or "sortedmap"
    m = get_model(model)
    parts = m.partition(history.operations) if partition else [list(history.operations)]
    deadline = None if timeout is None else start + timeout
    verdict, explored = "ok", 0
    for part in parts:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            verdict = "unknown"
            break
        v, best, n = _engine_check(part, m, left)
        explored += n
        if v == "illegal":
            res = Result("illegal", m, history, history.subset(part), explored=explored)
            cx, res.minimal = _minimize(part, m, minimize_timeout) if minimize else (list(part), False)
            res.counterexample = history.subset(cx, name=(history.name + " (minimal)").strip())
            v2, best_cx, _ = _engine_check(cx, m, minimize_timeout)
            res.partial_linearizations = [[cx[i] for i in best_cx]]
            res.seconds = time.monotonic() - start
            return res
        if v == "unknown":
            verdict = "unknown"
            if deadline is not None:
                break  # the budget is spent: later parts could not change "unknown" to "ok"
    return Result(verdict, m, history, explored=explored, seconds=time.monotonic() - start)


def _illegal(ops: Sequence[Operation], model: Model, deadline: float,
             justify: bool = True) -> Optional[bool]:
    """Is `ops` a (justified) non-linearizable history? None when undecided by the deadline."""
    if not ops or (justify and not model.justified(ops)):
        return False
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    v = _engine_check(ops, model, left)[0]
    return None if v == "unknown" else v == "illegal"


def _minimize(ops: List[Operation], model: Model, budget: float) -> Tuple[List[Operation], bool]:
    """Shrinks an illegal history to a 1-minimal illegal one; returns (ops, reached fixpoint).

    "Illegal" here also requires the sub-history to stay justified (Model.justified: every value
    it observes is written by one of its operations) when the whole partition was: otherwise
    deleting a write would "explain" any failure by a read of a value nobody wrote.
    1. The shortest illegal prefix (ops in call order) by bisection: cheap, and real failures
       usually show early. 2. Delta debugging: remove chunks of halving size while the rest stays
    illegal. 3. Single removals, repeated until a whole pass removes nothing: then no single
    operation can be removed and leave a justified non-linearizable history: minimal. An undecided sub-check (budget)
    keeps the operation, so the result is always illegal; `minimal` is False if that happened.
    Cost: O(n log n) engine calls typically, O(n^2) worst case, on the failing partition only.
    """
    deadline = time.monotonic() + budget
    cur = sorted(ops, key=lambda o: o.call)
    undecided = False
    justify = model.justified(cur)  # a failure that observes unwritten values keeps that form

    def bad(trial: Sequence[Operation]) -> Optional[bool]:
        return _illegal(trial, model, deadline, justify)

    lo, hi = 1, len(cur)  # invariant: cur[:hi] is illegal
    while lo < hi:
        mid = (lo + hi) // 2
        r = bad(cur[:mid])
        undecided |= r is None
        if r:
            hi = mid
        else:
            lo = mid + 1
    cur = cur[:hi]
    chunk = len(cur) // 2
    while chunk > 1:
        i, removed = 0, False
        while i < len(cur):
            trial = cur[:i] + cur[i + chunk:]
            r = bad(trial)
            undecided |= r is None
            if r:
                cur, removed = trial, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(cur):
            trial = cur[:i] + cur[i + 1:]
            r = bad(trial)
            undecided |= r is None
            if r:
                cur, changed = trial, True
            else:
                i += 1
    return cur, not undecided
