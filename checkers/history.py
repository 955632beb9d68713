"""history.py — operations, histories, and the native JSON Lines history format.

An `Operation` is one call of a concurrent object as a client saw it: who called it (client),
what it asked (input: a dict whose "f" names the function, e.g. {"f": "put", "key": 3,
"value": 7}), what it got back (output), and when: `call` and `ret` timestamps (ints or floats
from one clock). `ret` is None for a pending operation: it never returned (or its outcome is
indeterminate, like Jepsen's :info), so it may have taken effect at any time after its call, or
never, and its output is unknown.

Intervals are closed, [call, ret], as in Porcupine: two operations whose intervals touch at one
instant are treated as concurrent. Clocks have finite resolution, so an operation that returned
at t and one that was called at t may really have overlapped; treating them as ordered could
reject a correct history, while treating them as concurrent can only accept more.

JSON Lines format (one operation per line; lines starting with # and blank lines are ignored):
    {"client": 0, "call": 100, "return": 250, "input": {"f": "put", "key": 3, "value": 7}, "output": null}
    {"client": 1, "call": 120, "return": null, "input": {"f": "get", "key": 3}}
Fields: client (int or str), call (number), return (number or null/absent = pending), input
(object with "f"), output (any JSON; absent for pending operations). A first line
{"format": "pybskip-history", "version": 1, "model": "sortedmap"} may name the model.
Errors name the file, the line and the field (HistoryFormatError).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

Number = Union[int, float]
FORMAT_NAME = "pybskip-history"


class HistoryFormatError(ValueError):
    """A history file could not be read: names the file, the line and what is wrong."""

    def __init__(self, path: Union[str, Path, None], line: Optional[int], message: str) -> None:
        where = str(path) if path is not None else "<history>"
        if line is not None:
            where += ":%d" % line
        super().__init__("%s: %s" % (where, message))
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Operation:
    """One operation of a history (see the module doc). `ret` None means pending.

    `source` says where the operation came from, when a file reader made it: "line" (the file
    line of its call), "ret_line" (of its return, when it has one), and what the format carries
    besides (Jepsen's "index" and "time" of the invoke, "ret_index" and "ret_time" of the
    completion, "process"). It takes no part in equality.
    """

    client: Any
    input: Mapping[str, Any]
    output: Any = None
    call: Number = 0
    ret: Optional[Number] = None
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pending(self) -> bool:
        return self.ret is None

    @property
    def call_line(self) -> Optional[int]:
        """The file line of the call, when read from a file."""
        return self.source.get("line")

    @property
    def ret_line(self) -> Optional[int]:
        """The file line of the return (None for a pending operation or no file)."""
        return self.source.get("ret_line")

    @property
    def f(self) -> str:
        return str(self.input.get("f", "?"))

    def to_json(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"client": self.client, "call": self.call, "return": self.ret,
                             "input": _jsonable(dict(self.input))}
        if not self.pending:
            d["output"] = _jsonable(self.output)
        return d


_JSON_SCALARS = (str, int, float, bool, type(None))


def _jsonable(x: Any) -> Any:
    """`x` as json.dumps can write it: tuples as lists, sets as lists (in a fixed order), map keys
    that JSON cannot hold as their text, and values JSON has no type for (an EDN ratio, #inst,
    #uuid, symbol...) as their text."""
    if isinstance(x, _JSON_SCALARS):
        return x
    if isinstance(x, (tuple, list)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted((_jsonable(v) for v in x), key=repr)
    if isinstance(x, dict):
        return {(k if isinstance(k, _JSON_SCALARS) else str(k)): _jsonable(v) for k, v in x.items()}
    return str(x)


@dataclass
class History:
    """A list of operations (any order), with an optional name and suggested model."""

    operations: List[Operation] = field(default_factory=list)
    name: str = ""
    model: Optional[str] = None
    format: Optional[str] = None  # the format a reader found it in (History.load sets it)

    def __len__(self) -> int:
        return len(self.operations)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __getitem__(self, i: int) -> Operation:
        return self.operations[i]

    @property
    def clients(self) -> List[Any]:
        seen: Dict[Any, None] = {}
        for op in sorted(self.operations, key=lambda o: o.call):
            seen.setdefault(op.client, None)
        return list(seen)

    def subset(self, ops: Iterable[Operation], name: Optional[str] = None) -> "History":
        return History(list(ops), name if name is not None else self.name, self.model, self.format)

    # ---- JSON Lines ------------------------------------------------------------------------

    def save(self, path: Union[str, Path]) -> Path:
        """Writes the history as JSON Lines (format above). O(n)."""
        path = Path(path)
        with path.open("w") as f:
            header = {"format": FORMAT_NAME, "version": 1}
            if self.model:
                header["model"] = self.model
            if self.name:
                header["name"] = self.name
            f.write(json.dumps(header) + "\n")
            for op in sorted(self.operations, key=lambda o: (o.call, str(o.client))):
                f.write(json.dumps(op.to_json()) + "\n")
        return path

    @classmethod
    def load(cls, path: Union[str, Path], format: str = "auto", model: Any = None, init: Any = None) -> "History":
        """Reads a history in any registered format (formats.FORMAT_REGISTRY: jsonl, porcupine-kv,
        jepsen, jepsen-edn; "auto" detects it, History.format says which), for `model` (a Model
        or a name; default the format's) with initial value `init`. O(n)."""
        from .formats import read_history

        return read_history(path, format, model, init)

    @classmethod
    def from_jsonl_lines(cls, lines: Sequence[str], path: Union[str, Path, None] = None) -> "History":
        ops: List[Operation] = []
        model = None
        name = Path(path).name if path is not None else ""
        for no, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise HistoryFormatError(path, no, "not valid JSON (%s)" % exc.msg) from None
            if not isinstance(obj, dict):
                raise HistoryFormatError(path, no, "expected a JSON object, got %s" % type(obj).__name__)
            if obj.get("format") == FORMAT_NAME:
                model = obj.get("model", model)
                if model is not None and not isinstance(model, str):
                    raise HistoryFormatError(path, no, "header field 'model' must be a model name, "
                                             "got %r" % (model,))
                from .models import BUILTIN  # a late import: models imports this module
                if model is not None and model not in BUILTIN:
                    raise HistoryFormatError(path, no, "header field 'model': unknown model %r "
                                             "(built-in: %s)" % (model, ", ".join(BUILTIN)))
                name = obj.get("name", name)
                continue
            ops.append(_parse_op(obj, path, no))
        return cls(ops, name, model)


OP_FIELDS = ("client", "call", "return", "input", "output")


def _parse_op(obj: Dict[str, Any], path: Union[str, Path, None], no: int) -> Operation:
    for fld in ("client", "call", "input"):
        if fld not in obj:
            raise HistoryFormatError(path, no, "missing field %r" % fld)
    unknown = sorted(set(obj) - set(OP_FIELDS))
    if unknown:
        raise HistoryFormatError(path, no, "unknown field %s (an operation has %s)"
                                 % (", ".join(map(repr, unknown)), ", ".join(OP_FIELDS)))
    call, ret, inp = obj["call"], obj.get("return"), obj["input"]
    if not isinstance(call, (int, float)) or isinstance(call, bool) or not math.isfinite(call):
        raise HistoryFormatError(path, no, "field 'call' must be a finite number, got %r" % (call,))
    if ret is not None and (not isinstance(ret, (int, float)) or isinstance(ret, bool)
                            or not math.isfinite(ret)):
        raise HistoryFormatError(path, no, "field 'return' must be a finite number or null, got %r"
                                 % (ret,))
    if ret is not None and ret < call:
        raise HistoryFormatError(path, no, "field 'return' (%r) is before 'call' (%r)" % (ret, call))
    if not isinstance(inp, dict) or "f" not in inp:
        raise HistoryFormatError(path, no, "field 'input' must be an object with an 'f' (function) field")
    client = obj["client"]
    if not isinstance(client, (int, str)) or isinstance(client, bool):
        raise HistoryFormatError(path, no, "field 'client' must be an int or a string")
    out = obj.get("output")
    if isinstance(out, list):
        out = tuple(tuple(x) if isinstance(x, list) else x for x in out)
    return Operation(client, inp, out, call, ret, {"line": no, "ret_line": no if ret is not None else None})
