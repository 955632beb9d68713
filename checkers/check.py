"""check.py — `check(history, model)`: the verdict, the failing partition, a faithful minimal
counterexample, and the first failure point.

Steps: the model partitions the history (P-compositionality: a history is linearizable iff each
independent part is); each part is checked by the C engine (built-in models natively, Python
models through callbacks). For an illegal part:
  * the first failure (Knossos' :op): the operation at whose return the history up to that
    instant (every operation called by then; those still running are pending) first has no
    linearization — a binary search over return instants (the property is monotone);
  * the counterexample: the part is shrunk while it stays non-linearizable AND closed: no kept
    completed operation loses an operation that may justify what it observed and may precede it
    in real time (Model.justifies, writer.call <= observer.ret: intervals are closed). A closed sub-history keeps, for
    every kept observer, the operations that could have set the state it saw, so it is
    non-linearizable because of what the history does, not because a justifying write was
    deleted (checkers/README.md, "Counterexamples", has the argument). Steps: the shortest
    closed illegal prefix by call order (bisection), then the latest start that keeps it closed
    and illegal (bisection: a long history's counterexample sits near its failure), chunk
    removal of halving size, single removals until none is possible: 1-minimal among closed
    sub-histories.
`timeout` bounds the whole call: verdict search, first failure, minimisation and the final
partial linearization share one deadline. Past it the verdict stands ("unknown" if the verdict
itself was not reached, never a guess) and the counterexample is the smallest found so far,
with Result.minimal False. Complexity: the search is exponential in the worst case
(linearizability checking is NP-complete) but memoised; minimisation costs O(n log n) to O(n^2)
engine calls plus O(n^2) justification tests on the failing part.
"""
from __future__ import annotations

import bisect
import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _cengine as C
from ._cengine import Encoded, Illegal, encode_times
from .history import History, Operation, _jsonable
from .models import UNKNOWN, Model, ModelInputError, get_model


@dataclass
class Result:
    """The outcome of check().

    verdict: "ok" | "illegal" | "unknown". For "illegal": `partition` is the failing partition,
    `counterexample` its faithful minimal failing sub-history (`minimal` tells whether the
    1-minimal fixpoint was reached within the time budget), `first_failure` the operation at
    whose return the history first had no linearization, and `partial_linearizations` one list:
    the longest partial linearization of the counterexample. For "ok": `partial_linearizations`
    holds one linearization per partition (operations in linearization order). `explored`
    counts engine search steps; `seconds` is the wall time of check(), `timings` its parts.
    """

    verdict: str
    model: Model
    history: History
    partition: Optional[History] = None
    counterexample: Optional[History] = None
    partial_linearizations: List[List[Operation]] = field(default_factory=list)
    explored: int = 0
    seconds: float = 0.0
    minimal: bool = False  # the counterexample is 1-minimal among closed sub-histories
    first_failure: Optional[Operation] = None
    timings: Dict[str, float] = field(default_factory=dict)
    unknown_reason: Optional[str] = None  # "unknown": the limit hit ("timeout", "memory limit", ...)

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

    def to_json(self) -> Dict[str, Any]:
        """The result as one JSON-ready object: verdict, sizes, model, the counterexample and the
        first failure (each operation with its source lines), timings. O(counterexample)."""
        def op_json(op: Operation) -> Dict[str, Any]:
            d = op.to_json()
            d["call_line"], d["ret_line"] = op.call_line, op.ret_line
            extra = {k: v for k, v in op.source.items() if k not in ("line", "ret_line")}
            if extra:
                d["source"] = _jsonable(extra)
            return d

        return {
            "verdict": self.verdict, "unknown_reason": self.unknown_reason, "model": self.model.name,
            "history": self.history.name,
            "format": self.history.format, "operations": len(self.history),
            "partition_operations": None if self.partition is None else len(self.partition),
            "counterexample": None if self.counterexample is None else
            [op_json(o) for o in sorted(self.counterexample, key=lambda o: o.call)],
            "minimal": self.minimal,
            "first_failure": None if self.first_failure is None else op_json(self.first_failure),
            "explored": self.explored, "seconds": round(self.seconds, 6),
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


DEFAULT_MEMORY_FRACTION = 0.5
PARALLEL_MIN_OPS = 1000  # workers=None: smaller histories are checked on the calling thread


@functools.lru_cache(maxsize=None)
def default_max_memory() -> Optional[int]:
    """The memo's default memory limit: DEFAULT_MEMORY_FRACTION of physical memory (None where the
    system does not say). O(1); read once."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") * DEFAULT_MEMORY_FRACTION)
    except (ValueError, OSError, AttributeError):
        return None


def _encode_part(ops: Sequence[Operation], model: Model, enc: Encoded) -> Optional[List[int]]:
    """Appends one partition to `enc` (built-in model: model.encode; Python model: times only)
    and closes it. Returns the indices of `ops` kept (None: all): a pending read-only operation
    constrains nothing and changes nothing, so it is left out (search.c, 9; Model.read_only)."""
    t = encode_times(ops)
    kept = None
    if any(o.ret is None for o in ops):
        kept = [i for i, o in enumerate(ops) if o.ret is not None or not model.read_only(o)]
        ops = [ops[i] for i in kept]
    if model.builtin is not None:
        model.encode(ops, enc, t)
    else:
        for op in ops:
            pending = op.ret is None
            enc.add(t(op.call), 0 if pending else t(op.ret), 0, C.PENDING if pending else 0)
    enc.close_part()
    return kept


def _engine_check(parts: Sequence[Sequence[Operation]], model: Model, timeout: Optional[float],
                  workers: int = 1, max_memory: Optional[int] = None
                  ) -> Tuple[str, int, List[C.PartResult]]:
    """One engine call over `parts`: (verdict, deciding partition index or -1, one PartResult per
    part with `lin` as indices into that part). Built-in models check the parts on `workers`
    threads; a Python model runs its step through a callback under the GIL, one part after
    another (its cost per step: one ctypes callback, the model's step and key, a dict lookup —
    a few microseconds against ~0.1 us for a built-in step). An operation the model cannot
    encode (or whose ints do not fit int64) raises ModelInputError naming it."""
    if model.builtin is None:  # its own exceptions propagate as they are
        v, first, res, kept = _run_python_model(parts, model, timeout, max_memory)
    else:
        try:
            enc = Encoded()
            kept = [_encode_part(p, model, enc) for p in parts]
            v, first, res = C.run(model.builtin, enc, timeout, workers, max_memory)
        except ModelInputError:
            raise
        except (TypeError, OverflowError, KeyError, IndexError, ValueError) as exc:
            validate = getattr(model, "validate", None)
            if validate is not None:
                for p in parts:
                    validate(p)  # raises ModelInputError naming the operation
            raise ModelInputError("%s model: malformed operation (%s: %s)"
                                  % (model.name, type(exc).__name__, exc)) from None
    for r, k in zip(res, kept):
        if k is not None:
            r.lin = [k[i] for i in r.lin]
    return v, first, res


def _run_python_model(parts: Sequence[Sequence[Operation]], model: Model, timeout: Optional[float],
                      max_memory: Optional[int]
                      ) -> Tuple[str, int, List[C.PartResult], List[Optional[List[int]]]]:
    """A Python model's parts, one lc_check call each (the callback must know its part), under
    one deadline; stops at the first illegal part like the built-in path. Also returns each
    part's kept indices (_encode_part)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    results: List[C.PartResult] = []
    kept: List[Optional[List[int]]] = []
    verdict, first = "ok", -1
    for i, part in enumerate(parts):
        left = None if deadline is None else deadline - time.monotonic()
        if (left is not None and left <= 0) or verdict == "illegal":
            results.append(C.PartResult("unknown", "timeout" if verdict != "illegal" else "cancelled"))
            kept.append(None)
            if verdict == "ok":
                verdict, first = "unknown", i
            continue
        one = Encoded()
        k = _encode_part(part, model, one)
        kept.append(k)
        ops = [part[j] for j in k] if k is not None else list(part)
        failure: List[BaseException] = []

        def steps(state: Any, index: int, ops: List[Operation] = ops) -> List[Any]:
            op = ops[index]
            succ = model.steps(state, op.input, UNKNOWN if op.pending else op.output)
            if not succ:
                raise Illegal()
            return succ

        cb = C.python_model_callback(model.init, steps, model.key, failure)
        try:
            v, _, res = C.run("callback-sets" if model.nondeterministic else "callback", one,
                              None if left is None else max(left, 1e-6), 1, max_memory, cb)
        finally:
            if failure:
                raise failure[0]  # the model's own exception, not the engine's report of it
        results.append(res[0])
        if v == "illegal":
            verdict, first = "illegal", i
        elif v == "unknown" and verdict == "ok":
            verdict, first = "unknown", i
    return verdict, first, results, kept


def _verdict_of(ops: Sequence[Operation], model: Model, timeout: Optional[float]) -> Tuple[str, List[int]]:
    """One partition, checked alone: (verdict, witness or longest partial linearization)."""
    v, _, res = _engine_check([ops], model, timeout, 1, default_max_memory())
    return v, res[0].lin


def check(history: Union[History, Sequence[Operation]], model: Union[Model, str, None] = None,
          timeout: Optional[float] = None, *, partition: bool = True, init: Any = None,
          minimize: bool = True, minimize_timeout: float = 30.0, workers: Optional[int] = None,
          max_memory: Optional[int] = None) -> Result:
    """Checks `history` for linearizability against `model` (a Model or a registry name).

    :param history: a History, or any sequence of Operation.
    :param model: a Model or a name of models.MODEL_NAMES ("register", "cas-register",
        "lossy-register", "kv", "sortedmap", "mutex", "multi-register", "independent:<name>");
        None uses the history's own hint (set by the file readers), else "sortedmap".
    :param timeout: seconds for the whole call (None = no limit): verdict, first failure,
        minimisation and report. When it runs out before the verdict, the verdict is "unknown",
        never a guess; after it, the counterexample is the best found (Result.minimal False).
    :param partition: False checks the history as one piece (no P-compositional split).
    :param init: the initial value of register-like models (default: the model's, nil for the
        registers as in Knossos).
    :param minimize: False skips the minimisation (the failing partition is the counterexample);
        `minimize_timeout` bounds minimisation when `timeout` is None.
    :param workers: threads checking partitions in parallel (built-in models; default: the
        cores available, for histories of PARALLEL_MIN_OPS operations or more). The verdict and
        counterexample do not depend on it unless a limit (timeout, max_memory) is hit.
    :param max_memory: bytes the search's memo may take, all partitions together (default:
        half the physical memory); reaching it makes the verdict "unknown" with
        Result.unknown_reason "memory limit".
    :returns: a Result. Complexity: NP-complete in general; the memoised search is
        exponential only in the number of concurrently pending operations, O(n) engine work per
        call on sequential histories, plus O(n) marshalling (about 0.6 us per operation).

    >>> from pybskip.checkers import Operation, check
    >>> ops = [Operation(0, {"f": "put", "key": 1, "value": 5}, None, 0, 10),
    ...        Operation(1, {"f": "get", "key": 1}, 5, 2, 12)]
    >>> check(ops, "sortedmap").verdict
    'ok'
    >>> check(ops[1:], "sortedmap").first_failure.output    # a read of 5 that nobody wrote
    5
    """
    start = time.monotonic()
    if not isinstance(history, History):
        history = History(list(history))
    if model is None:
        model = history.model or "sortedmap"
    m = get_model(model, init)
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError("workers must be an int >= 1, got %r" % (workers,))
    if max_memory is not None and (not isinstance(max_memory, int) or max_memory < 1):
        raise ValueError("max_memory must be a number of bytes >= 1, got %r" % (max_memory,))
    parts = m.partition(history.operations) if partition else [list(history.operations)]
    if workers is None:  # threads pay off only on enough work (the results are the same)
        workers = _default_workers() if len(history) >= PARALLEL_MIN_OPS else 1
    v, first, res = _engine_check(parts, m, timeout, workers, max_memory or default_max_memory())
    explored = sum(r.steps for r in res)
    deadline = None if timeout is None else start + timeout
    if v == "illegal":
        part = parts[first]
        out = Result("illegal", m, history, history.subset(part), explored=explored)
        out.timings["verdict"] = time.monotonic() - start
        _explain(out, list(part), m, deadline, minimize, minimize_timeout)
        out.seconds = time.monotonic() - start
        return out
    out = Result(v, m, history, explored=explored, seconds=time.monotonic() - start,
                 partial_linearizations=[[p[i] for i in r.lin] for p, r in zip(parts, res)]
                 if v == "ok" else [],
                 unknown_reason=res[first].reason if v == "unknown" else None)
    out.timings["verdict"] = out.seconds
    return out


def _explain(res: Result, part: List[Operation], model: Model, deadline: Optional[float],
             minimize: bool, minimize_timeout: float) -> None:
    """Fills the first failure, the counterexample and its partial linearization of an illegal
    result, within `deadline` (or minimize_timeout when there is none)."""
    t0 = time.monotonic()
    end = deadline if deadline is not None else t0 + minimize_timeout
    # budget shares: the first failure's O(log n) calls first, then minimisation, and a reserve
    # for the final partial linearization of the (small) counterexample
    res.first_failure = _first_failure(part, model, t0 + 0.25 * (end - t0))
    t1 = time.monotonic()
    res.timings["first_failure"] = t1 - t0
    cx, res.minimal = (_minimize(part, model, t1 + 0.85 * (end - t1)) if minimize else (part, False))
    t2 = time.monotonic()
    res.timings["minimize"] = t2 - t1
    res.counterexample = res.history.subset(cx, name=(res.history.name + " (minimal)").strip())
    left = end - time.monotonic()
    if left > 0:
        v, best_cx = _verdict_of(cx, model, left)
        res.partial_linearizations = [[cx[i] for i in best_cx]] if v != "unknown" else []
    res.timings["report"] = time.monotonic() - t2


def _truncated(ops: Sequence[Operation], t: Any) -> List[Operation]:
    """The history as known at instant t: operations called by t; those returning later are
    pending (their outputs unknown). O(n)."""
    out = []
    for o in ops:
        if o.call <= t:
            out.append(o if o.ret is not None and o.ret <= t else
                       Operation(o.client, o.input, None, o.call, None, o.source))
    return out


def _first_failure(ops: Sequence[Operation], model: Model, deadline: float) -> Optional[Operation]:
    """The operation whose return first leaves the history up to it without a linearization
    (None if undecided by the deadline). Binary search over return instants: if the history up
    to t is illegal, so is the history up to any later t' (its completed operations precede every
    operation called after t). O(log n) engine calls."""
    rets = sorted({o.ret for o in ops if o.ret is not None})
    lo, hi = 0, len(rets) - 1  # invariant: up to rets[hi] is illegal (the whole part is)
    while lo < hi:
        mid = (lo + hi) // 2
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        v = _verdict_of(_truncated(ops, rets[mid]), model, left)[0]
        if v == "unknown":
            return None
        if v == "illegal":
            hi = mid
        else:
            lo = mid + 1
    if not rets:
        return None
    at = [o for o in ops if o.ret == rets[hi]]
    return min(at, key=lambda o: o.call)


class _Closure:
    """Which operations of the failing part justify which kept observers (Model.justifies with
    writer.call <= observer.ret: intervals are closed), to test in O(removed x dependents) whether removing some
    operations keeps a sub-history closed. Built in O(n^2) model calls, stopping at a deadline."""

    def __init__(self, ops: Sequence[Operation], model: Model, deadline: float) -> None:
        self.complete = True
        self.dependents: Dict[int, List[int]] = {}
        observers = sorted((o.ret, i) for i, o in enumerate(ops) if o.ret is not None)
        rets = [r for r, _ in observers]
        for wi, w in enumerate(ops):
            if model.read_only(w):
                continue
            if time.monotonic() > deadline:
                self.complete = False
                return
            first = bisect.bisect_left(rets, w.call)  # observers with ret >= w.call (closed intervals)
            deps = [oi for _, oi in observers[first:] if oi != wi and model.justifies(w, ops[oi])]
            if deps:
                self.dependents[id(w)] = [id(ops[oi]) for oi in deps]

    def may_remove(self, removed: Sequence[Operation], kept_ids: "set[int]") -> bool:
        """Removing `removed` leaves no kept observer without one of its justifiers."""
        for w in removed:
            for o in self.dependents.get(id(w), ()):
                if o in kept_ids:
                    return False
        return True


def _minimize(ops: List[Operation], model: Model, deadline: float) -> Tuple[List[Operation], bool]:
    """Shrinks an illegal part to a closed 1-minimal illegal sub-history (module doc); returns
    (ops, reached the fixpoint). An undecided sub-check (deadline) keeps the operation, so the
    result is always illegal and closed; `minimal` is False if that happened. O(n log n) engine
    calls typically, O(n^2) worst case, on the failing partition only."""
    cur = sorted(ops, key=lambda o: o.call)
    closure = _Closure(cur, model, deadline)
    if not closure.complete:
        return cur, False
    undecided = False

    def accept(trial: List[Operation], removed: Sequence[Operation]) -> bool:
        nonlocal undecided
        if not trial or not closure.may_remove(removed, {id(o) for o in trial}):
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            undecided = True
            return False
        v = _verdict_of(trial, model, left)[0]
        undecided |= v == "unknown"
        return v == "illegal"

    lo, hi = 1, len(cur)  # invariant: cur[:hi] is closed and illegal
    while lo < hi:
        mid = (lo + hi) // 2
        if accept(cur[:mid], cur[mid:hi]):
            hi = mid
        else:
            lo = mid + 1
    cur = cur[:hi]
    lo, hi = 0, len(cur) - 1  # the latest start: invariant cur[lo:] is closed and illegal
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if accept(cur[mid:], cur[:mid]):
            lo = mid
        else:
            hi = mid - 1
    cur = cur[lo:]
    chunk = len(cur) // 2
    while chunk > 1:
        i, removed = 0, False
        while i < len(cur):
            trial = cur[:i] + cur[i + chunk:]
            if accept(trial, cur[i:i + chunk]):
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
            if accept(trial, cur[i:i + 1]):
                cur, changed = trial, True
            else:
                i += 1
    return cur, not undecided
