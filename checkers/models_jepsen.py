"""models_jepsen.py — the models of Jepsen/Knossos histories beyond the registers: a mutex, a
multi-register of transactions, and independent keys. Pure-Python models (they run in the same C
search through callbacks); registered in models.py's MODELS.

  mutex           {"f": "acquire"} / {"f": "release"}: acquire needs the lock free, release needs
                  it held (Knossos' `mutex`); starts free (init True: starts held)
  multi-register  {"f": "txn", "value": ((f, k, v), ...)} with f "read"/"write": one atomic
                  transaction; its output is the completed list, whose reads carry the values
                  read; a read of nil constrains nothing (Knossos' `multi-register`); every key
                  starts as `init` (default nil)
  independent:M   Jepsen's `jepsen.independent`: every operation's value is [k v]; operations
                  are partitioned by k and each key is checked with M (input gets "key": k)
Invariant: each model's `justifies` is sound in the sense of Model.justifies: in a linearization,
the state an observer needs is set by operations it names.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ._cengine import Encoded
from .history import Operation
from .models import UNKNOWN, Model, ModelInputError, _hashable


def _name(x: Any) -> str:
    """A Jepsen function name: a keyword's or symbol's text, or a string."""
    return str(getattr(x, "text", x))


class Mutex(Model):
    """A lock: acquire when free, release when held."""

    name = "mutex"

    def __init__(self, init: Any = False) -> None:
        self.initial = bool(init)

    def init(self) -> bool:
        return self.initial

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        f = input.get("f")
        if f == "acquire":
            return (not state), True
        if f == "release":
            return bool(state), False
        raise ModelInputError("mutex model: unknown function %r (acquire, release)" % (f,))

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """An acquire needs the last change to be a release (or the start), a release an acquire."""
        if observer.pending:
            return False
        return (observer.f, writer.f) in (("acquire", "release"), ("release", "acquire"))

    def from_jepsen(self, f: str, value: Any, completion: Any) -> Tuple[Dict[str, Any], Any]:
        if f not in ("acquire", "release"):
            raise ModelInputError("mutex model: unknown function :%s (:acquire, :release)" % f)
        return {"f": f}, None

    def describe_state(self, state: Any) -> str:
        return "held" if state else "free"


MicroOp = Tuple[str, Any, Any]
MultiState = Tuple[Tuple[Any, Any], ...]


class MultiRegister(Model):
    """Registers by key, read and written by atomic transactions of micro-operations."""

    name = "multi-register"

    def __init__(self, init: Any = None) -> None:
        self.initial = init

    def init(self) -> MultiState:
        return ()

    @staticmethod
    def _micro(ops: Any, where: Any) -> List[MicroOp]:
        if not isinstance(ops, (list, tuple)):
            raise ModelInputError("multi-register: a txn value must be a list of [f k v], got %r" % (where,))
        out = []
        for m in ops:
            if not isinstance(m, (list, tuple)) or len(m) != 3 or _name(m[0]) not in ("read", "write"):
                raise ModelInputError("multi-register: micro-op %r is not [:read k v] or [:write k v]" % (m,))
            out.append((_name(m[0]), _hashable(m[1]), _hashable(m[2])))
        return out

    def step(self, state: MultiState, input: Mapping[str, Any], output: Any) -> Tuple[bool, MultiState]:
        if input.get("f") != "txn":
            raise ModelInputError("multi-register model: unknown function %r (txn)" % (input.get("f"),))
        regs = dict(state)
        done = None if output is UNKNOWN else self._micro(output, output)
        micro = self._micro(input.get("value"), input)
        if done is not None and len(done) != len(micro):
            return False, state
        for i, (f, k, v) in enumerate(micro):
            if f == "write":
                regs[k] = v
            elif done is not None:
                seen = done[i][2]
                if seen is not None and seen != regs.get(k, self.initial):
                    return False, state
        return True, tuple(sorted(regs.items(), key=repr))

    def read_only(self, op: Operation) -> bool:
        return all(_name(m[0]) == "read" for m in op.input.get("value") or ())

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """A transaction's read of k = v depends on the transactions that write v to k."""
        if observer.pending or writer is observer:
            return False
        reads = {(m[1], m[2]) for m in self._micro(observer.output, observer) if m[0] == "read" and m[2] is not None}
        return any((k, v) in reads for f, k, v in self._micro(writer.input.get("value"), writer) if f == "write")

    def from_jepsen(self, f: str, value: Any, completion: Any) -> Tuple[Dict[str, Any], Any]:
        if f != "txn":
            raise ModelInputError("multi-register model: unknown function :%s (:txn)" % f)
        micro = tuple(tuple(m) for m in self._micro(value, value))
        done = None if completion is None else tuple(tuple(m) for m in self._micro(completion, completion))
        return {"f": "txn", "value": micro}, done

    def describe_operation(self, op: Operation) -> str:
        def show(ms: Any) -> str:
            return " ".join("%s %r %r" % m for m in ms)
        out = "?" if op.pending else show(op.output or ())
        return "txn[%s] -> [%s]" % (show(op.input.get("value") or ()), out)


class Independent(Model):
    """Jepsen's independent keys over an inner model: partition by key, inner model per key."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = "independent:" + inner.name
        self.builtin = inner.builtin

    def init(self) -> Any:
        return self.inner.init()

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        return self.inner.step(state, input, output)

    def key(self, state: Any) -> Any:
        return self.inner.key(state)

    def partition(self, operations: Sequence[Operation]) -> List[List[Operation]]:
        groups: Dict[Any, List[Operation]] = defaultdict(list)
        for op in operations:
            if "key" not in op.input:
                raise ModelInputError("%s: operation %r has no key" % (self.name, dict(op.input)))
            groups[_hashable(op.input["key"])].append(op)
        return [part for ops in groups.values() for part in self.inner.partition(ops)]

    def read_only(self, op: Operation) -> bool:
        return self.inner.read_only(op)

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        return bool(_hashable(writer.input.get("key")) == _hashable(observer.input.get("key"))
                    and self.inner.justifies(writer, observer))

    def from_jepsen(self, f: str, value: Any, completion: Any) -> Tuple[Dict[str, Any], Any]:
        """value [k v] (and a completion [k v'] or nil) -> the inner model's op with "key": k."""
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ModelInputError("%s: an independent operation's :value must be [key value], got %r"
                                  % (self.name, value))
        inner_done: Any = None
        if completion is not None:
            if not isinstance(completion, (list, tuple)) or len(completion) != 2 or \
                    _hashable(completion[0]) != _hashable(value[0]):
                raise ModelInputError("%s: the completion's :value must be [%r value], got %r"
                                      % (self.name, value[0], completion))
            inner_done = completion[1]
        inp, out = self.inner.from_jepsen(f, value[1], inner_done)
        inp["key"] = _hashable(value[0])
        return inp, out

    def encode(self, ops: Sequence[Operation], enc: Encoded, t: Callable[[Any], int]) -> None:
        self.inner.encode(ops, enc, t)

    def describe_operation(self, op: Operation) -> str:
        return "[%r] %s" % (op.input.get("key"), self.inner.describe_operation(op))

    def describe_state(self, state: Any) -> str:
        return self.inner.describe_state(state)

    def validate(self, ops: Sequence[Operation]) -> None:
        check: Optional[Callable[[Sequence[Operation]], None]] = getattr(self.inner, "validate", None)
        if check is not None:
            check(ops)
