"""formats.py — readers for the history formats the checker accepts, and format detection.

  jsonl         our native JSON Lines format (history.py documents it)
  porcupine-kv  Porcupine's key-value test logs: one EDN-like map per line,
                {:process 0, :type :invoke|:ok, :f :get|:put|:append, :key "k", :value "v"|nil};
                an invoke is matched with the next :ok of the same process; a get's result is the
                :value of its :ok line; an invoke without :ok is pending. Time = line number.
  jepsen        Jepsen etcd logs: `INFO  jepsen.util - <process>\\t:<type>\\t:<f>\\t<value>` with
                types :invoke, :ok, :fail, :info and f :read (value nil or an int), :write v,
                :cas [from to]. A :fail cas failed (no effect); an :info completion, or none, is
                indeterminate (pending); a failed read (:timed-out) constrains nothing and is
                dropped. Other log lines are ignored. Time = line number.
Every error is a HistoryFormatError naming the file, the line and the problem.
Invariant: every Operation produced has call < ret (or ret None).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from .history import History, HistoryFormatError, Operation

FORMATS = ("auto", "jsonl", "porcupine-kv", "jepsen")
_EDN_PAIR = re.compile(r':(\w+)\s+("(?:[^"\\]|\\.)*"|:[\w-]+|nil|-?\d+)')
_JEPSEN = re.compile(r"jepsen\.util\s+-\s+(\d+)\s+:(\w+)\s+:(\w+)\s+(.*?)\s*$")


def detect_format(lines: List[str]) -> Optional[str]:
    """Guesses the format from the first meaningful line."""
    for line in lines:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("{:") or s.startswith("{ :"):
            return "porcupine-kv"
        if s.startswith("{"):
            return "jsonl"
        if "jepsen.util" in s:
            return "jepsen"
    return None


def read_history(path: Union[str, Path], format: str = "auto") -> History:
    """Reads `path` in `format` (or detects it). Raises HistoryFormatError on any problem."""
    if format not in FORMATS:
        raise HistoryFormatError(path, None, "unknown format %r (one of %s)" % (format, ", ".join(FORMATS)))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryFormatError(path, None, "cannot read: %s" % exc) from None
    lines = text.splitlines()
    fmt = detect_format(lines) if format == "auto" else format
    if fmt is None:
        raise HistoryFormatError(path, None, "cannot tell the format (empty or unrecognised); pass --format")
    if fmt == "jsonl":
        return History.from_jsonl_lines(lines, path)
    if fmt == "porcupine-kv":
        return _porcupine(lines, path)
    return _jepsen(lines, path)


def _edn_value(tok: str) -> Any:
    if tok == "nil":
        return None
    if tok.startswith('"'):
        return tok[1:-1].encode().decode("unicode_escape")
    if tok.startswith(":"):
        return tok[1:]
    return int(tok)


def _porcupine(lines: List[str], path: Any) -> History:
    pending: Dict[Any, Tuple[int, Dict[str, Any]]] = {}
    ops: List[Operation] = []
    for no, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s:
            continue
        if not (s.startswith("{") and s.endswith("}")):
            raise HistoryFormatError(path, no, "expected an EDN map {...}")
        fields = {k: _edn_value(v) for k, v in _EDN_PAIR.findall(s)}
        for need in ("process", "type", "f"):
            if need not in fields:
                raise HistoryFormatError(path, no, "missing :%s" % need)
        proc, typ, f = fields["process"], fields["type"], fields["f"]
        if f not in ("get", "put", "append"):
            raise HistoryFormatError(path, no, ":f must be :get, :put or :append, got :%s" % f)
        if typ == "invoke":
            if proc in pending:
                raise HistoryFormatError(path, no, "process %r invoked again before its :ok" % proc)
            inp = {"f": f, "key": fields.get("key")}
            if f != "get":
                inp["value"] = fields.get("value")
            pending[proc] = (no, inp)
        elif typ == "ok":
            if proc not in pending:
                raise HistoryFormatError(path, no, ":ok for process %r with no pending :invoke" % proc)
            call, inp = pending.pop(proc)
            out = fields.get("value") if f == "get" else None
            ops.append(Operation(proc, inp, out, call, no))
        else:
            raise HistoryFormatError(path, no, ":type must be :invoke or :ok, got :%s" % typ)
    for proc, (call, inp) in pending.items():
        ops.append(Operation(proc, inp, None, call, None))
    return History(ops, Path(path).name, "kv")


def _jepsen_value(tok: str, f: str, path: Any, no: int) -> Any:
    try:
        if f == "cas":
            a, b = tok.strip("[]").split()
            return [int(a), int(b)]
        return None if tok in ("nil", "") else int(tok)
    except ValueError:
        raise HistoryFormatError(path, no, "cannot read the value %r of a :%s" % (tok, f)) from None


def _jepsen(lines: List[str], path: Any) -> History:
    pending: Dict[int, Tuple[int, str, Any]] = {}
    ops: List[Operation] = []
    for no, raw in enumerate(lines, 1):
        m = _JEPSEN.search(raw)
        if m is None:
            continue  # other log output
        proc, typ, f, tok = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if f not in ("read", "write", "cas"):
            raise HistoryFormatError(path, no, "unknown operation :%s" % f)
        if typ == "invoke":
            if proc in pending:
                raise HistoryFormatError(path, no, "process %d invoked again before completing" % proc)
            pending[proc] = (no, f, _jepsen_value(tok, f, path, no) if f != "read" else None)
            continue
        if typ not in ("ok", "fail", "info"):
            raise HistoryFormatError(path, no, "unknown type :%s" % typ)
        if proc not in pending:
            raise HistoryFormatError(path, no, "completion for process %d with no :invoke" % proc)
        call, f0, arg = pending.pop(proc)
        if f0 != f:
            raise HistoryFormatError(path, no, "completion :%s does not match the invoked :%s" % (f, f0))
        inp: Dict[str, Any] = {"f": f}
        if f == "write":
            inp["value"] = arg
        elif f == "cas":
            inp["from"], inp["to"] = arg
        if typ == "info":
            ops.append(Operation(proc, inp, None, call, None))
        elif f == "read":
            if typ == "fail":
                continue  # a failed read has no effect and observed nothing
            ops.append(Operation(proc, inp, _jepsen_value(tok, f, path, no), call, no))
        elif f == "cas":
            ops.append(Operation(proc, inp, typ == "ok", call, no))
        else:  # write
            if typ == "fail":
                continue  # definitely not applied
            ops.append(Operation(proc, inp, None, call, no))
    for proc, (call, f, arg) in pending.items():
        inp = {"f": f}
        if f == "write":
            inp["value"] = arg
        elif f == "cas":
            inp["from"], inp["to"] = arg
        ops.append(Operation(proc, inp, None, call, None))
    return History(ops, Path(path).name, "cas-register")
