"""formats.py — the one registry of history formats: name, how to recognise it, its reader, its
default model. The CLI's --format choices and help, auto-detection, the docs' table and the fuzz
targets all take their list from FORMAT_REGISTRY; adding a format is one entry here.

  jsonl         our native JSON Lines format (history.py documents it)
  porcupine-kv  Porcupine's key-value test logs: one EDN map per line,
                {:process 0, :type :invoke|:ok, :f :get|:put|:append, :key "k", :value "v"|nil};
                an invoke is matched with the next :ok of the same process; a get's result is the
                :value of its :ok line; an invoke without :ok is pending. Time = line number.
  jepsen        Jepsen etcd logs: `INFO  jepsen.util - <process>\\t:<type>\\t:<f>\\t<value>` with
                types :invoke, :ok, :fail, :info and f :read (value nil or an int), :write v,
                :cas [from to]. A :fail cas failed (no effect); an :info completion, or none, is
                indeterminate (pending); a failed read (:timed-out) constrains nothing and is
                dropped. Other log lines (a level such as INFO, or a timestamp, first) are skipped;
                any other line is an error. Time = line number.
  jepsen-edn    Jepsen's history.edn, read with Knossos' semantics (jepsen_edn.py documents them)
Detection (`--format auto`) looks at the first meaningful line; every reader rejects input it
does not recognise with a HistoryFormatError naming the file, the line and what it expected —
never an empty history in its place.
Invariant: every Operation produced has call < ret (or ret None) and a `source` with its lines.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .edn import EdnError, Keyword, read_all
from .history import History, HistoryFormatError, Operation
from .jepsen_edn import events, looks_like_edn_ops, read_jepsen_edn
from .models import Model, ModelInputError, get_model

Reader = Callable[[str, Any, Model], History]


@dataclass(frozen=True)
class Format:
    """One history format: `sniff(first meaningful line)` says whether a file looks like it."""

    name: str
    summary: str
    default_model: Optional[str]
    sniff: Callable[[str], bool]
    read: Reader


def _first_line(text: str) -> Optional[str]:
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith(("#", ";")) or s.startswith(("#{", "#jepsen", "#_")):
            return s
    return None


# ---- jsonl -------------------------------------------------------------------------------------

def _sniff_jsonl(line: str) -> bool:
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and (obj.get("format") == "pybskip-history" or "input" in obj)


def _read_jsonl(text: str, path: Any, model: Model) -> History:
    return History.from_jsonl_lines(text.splitlines(), path)


# ---- porcupine-kv ------------------------------------------------------------------------------

_KV_FUNCS = ("get", "put", "append")


def _edn_line_map(line: str) -> Optional[Dict[str, Any]]:
    try:
        forms = read_all(line)
    except EdnError:
        return None
    if len(forms) != 1 or not isinstance(forms[0], dict):
        return None
    return {str(getattr(k, "text", k)): v for k, v in forms[0].items()}


def _sniff_porcupine(line: str) -> bool:
    m = _edn_line_map(line)
    return m is not None and "key" in m and "index" not in m and "time" not in m \
        and getattr(m.get("f"), "text", None) in _KV_FUNCS


def _text(v: Any) -> Any:
    return v.text if isinstance(v, Keyword) else v


def _read_porcupine(text: str, path: Any, model: Model) -> History:
    pending: Dict[Any, Tuple[int, Dict[str, Any]]] = {}
    ops: List[Operation] = []
    for event, no in events(text, path):
        fields = {_text(k): _text(v) for k, v in event.items()}
        for need in ("process", "type", "f"):
            if need not in fields:
                raise HistoryFormatError(path, no, "missing :%s" % need)
        proc, typ, f = fields["process"], fields["type"], fields["f"]
        if not isinstance(proc, (int, str)) or isinstance(proc, bool):
            raise HistoryFormatError(path, no, ":process must be an integer or a keyword, got %r" % (proc,))
        if f not in _KV_FUNCS:
            raise HistoryFormatError(path, no, ":f must be :get, :put or :append, got %r" % (f,))
        if typ == "invoke":
            if proc in pending:
                raise HistoryFormatError(path, no, "process %r invoked again before its :ok" % proc)
            if "key" not in fields:
                raise HistoryFormatError(path, no, "missing :key")
            inp = {"f": f, "key": fields.get("key")}
            if f != "get":
                inp["value"] = fields.get("value")
            pending[proc] = (no, inp)
        elif typ == "ok":
            if proc not in pending:
                raise HistoryFormatError(path, no, ":ok for process %r with no pending :invoke" % proc)
            call, inp = pending.pop(proc)
            if f != inp["f"] or ("key" in fields and fields["key"] != inp["key"]):
                raise HistoryFormatError(path, no, "this :ok (:f %s, :key %r) does not match the :invoke of "
                                         "line %d (:f %s, :key %r)"
                                         % (f, fields.get("key"), call, inp["f"], inp["key"]))
            if f == "get" and "value" not in fields:
                raise HistoryFormatError(path, no, "the :ok of a :get must carry the :value read")
            out = fields.get("value") if f == "get" else None
            ops.append(Operation(proc, inp, out, call, no, {"line": call, "ret_line": no}))
        else:
            raise HistoryFormatError(path, no, ":type must be :invoke or :ok, got %r" % (typ,))
    for proc, (call, inp) in pending.items():
        ops.append(Operation(proc, inp, None, call, None, {"line": call, "ret_line": None}))
    return History(ops, "", "kv")


# ---- jepsen (etcd logs) ------------------------------------------------------------------------

_JEPSEN = re.compile(r"jepsen\.util\s+-\s+(\d+|:\S+)\s+:(\w+)\s+:(\S+)\s*(.*?)\s*$")
_LOG_LINE = re.compile(r"^\s*(\d{4}-\d\d-\d\d[ T]\S+\s+)?(\S+\s+)?(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\b")


def _sniff_jepsen_log(line: str) -> bool:
    m = _JEPSEN.search(line)
    return m is not None and bool(_LOG_LINE.match(line))


def _jepsen_value(tok: str, f: str, path: Any, no: int) -> Any:
    try:
        if f == "cas":
            a, b = tok.strip("[]").split()
            return [int(a), int(b)]
        return None if tok in ("nil", "") else int(tok)
    except ValueError:
        raise HistoryFormatError(path, no, "cannot read the value %r of a :%s" % (tok, f)) from None


def _cas_input(f: str, arg: Any) -> Dict[str, Any]:
    inp: Dict[str, Any] = {"f": f}
    if f == "write":
        inp["value"] = arg
    elif f == "cas":
        inp["from"], inp["to"] = arg
    return inp


def _read_jepsen_log(text: str, path: Any, model: Model) -> History:
    pending: Dict[int, Tuple[int, str, Any]] = {}
    ops: List[Operation] = []
    seen_op_line = False
    for no, raw in enumerate(text.splitlines(), 1):
        m = _JEPSEN.search(raw)
        if m is None:
            if not raw.strip() or (_LOG_LINE.match(raw) and "jepsen.util" not in raw):
                continue  # other log output
            raise HistoryFormatError(path, no, "expected a Jepsen operation line such as "
                                     "`INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0]`, got %r" % raw[:80])
        seen_op_line = True
        if not m.group(1).isdigit():
            continue  # the nemesis (`:nemesis`): not a client operation
        proc, typ, f, tok = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if f not in ("read", "write", "cas"):
            raise HistoryFormatError(path, no, "unknown operation :%s (:read, :write, :cas)" % f)
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
        inp, src = _cas_input(f, arg), {"line": call, "ret_line": no, "process": proc}
        if typ == "info":
            ops.append(Operation(proc, inp, None, call, None, src))
        elif f == "read":
            if typ == "fail":
                continue  # a failed read has no effect and observed nothing
            ops.append(Operation(proc, inp, _jepsen_value(tok, f, path, no), call, no, src))
        elif f == "cas":
            ops.append(Operation(proc, inp, typ == "ok", call, no, src))
        elif typ != "fail":  # a failed write was definitely not applied
            ops.append(Operation(proc, inp, None, call, no, src))
    for proc, (call, f, arg) in pending.items():
        ops.append(Operation(proc, _cas_input(f, arg), None, call, None,
                             {"line": call, "ret_line": None, "process": proc}))
    if not seen_op_line:
        raise HistoryFormatError(path, None, "no Jepsen operation lines (`INFO jepsen.util - <process> "
                                 ":<type> :<f> <value>`): not a Jepsen log")
    return History(ops, "", "cas-register")


# ---- the registry ------------------------------------------------------------------------------

FORMAT_REGISTRY: Dict[str, Format] = {f.name: f for f in (
    Format("jsonl", "pybskip's JSON Lines: one operation per line (checkers/README.md)", None,
           _sniff_jsonl, _read_jsonl),
    Format("porcupine-kv", "Porcupine's key-value logs: one EDN map per line with :key", "kv",
           _sniff_porcupine, _read_porcupine),
    Format("jepsen", "Jepsen etcd logs: `INFO jepsen.util - <process> :<type> :<f> <value>` lines",
           "cas-register", _sniff_jepsen_log, _read_jepsen_log),
    Format("jepsen-edn", "Jepsen's history.edn (a vector of op maps, or one per line), Knossos' "
           "semantics", "cas-register", looks_like_edn_ops, read_jepsen_edn),
)}
"""Every format, in detection order (the first whose sniff accepts the first line wins)."""
FORMATS: Tuple[str, ...] = ("auto",) + tuple(FORMAT_REGISTRY)


def detect_format(text: str) -> Optional[str]:
    """The name of the format `text` looks like (first meaningful line), or None."""
    line = _first_line(text)
    if line is None:
        return None
    for fmt in FORMAT_REGISTRY.values():
        if fmt.sniff(line):
            return fmt.name
    return None


def read_history(path: Union[str, Path], format: str = "auto", model: Union[Model, str, None] = None,
                 init: Any = None) -> History:
    """Reads `path` in `format` (or detects it) for `model` (default: the format's). History.format
    names the format used. Raises HistoryFormatError on any problem (file, line, what was expected)."""
    if format not in FORMATS:
        raise HistoryFormatError(path, None, "unknown format %r (one of %s)" % (format, ", ".join(FORMATS)))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryFormatError(path, None, "cannot read: %s" % exc) from None
    name = detect_format(text) if format == "auto" else format
    if name is None:
        raise HistoryFormatError(path, None, "cannot tell the format (empty, or none of %s); pass --format"
                                 % ", ".join(FORMAT_REGISTRY))
    fmt = FORMAT_REGISTRY[name]
    try:
        m = get_model(model if model is not None else fmt.default_model or "sortedmap", init)
    except ValueError as exc:
        raise HistoryFormatError(path, None, str(exc)) from None
    try:
        h = fmt.read(text, path, m)
    except ModelInputError as exc:
        raise HistoryFormatError(path, None, str(exc)) from None
    h.name = h.name or Path(path).name
    h.format = name
    if model is not None and not isinstance(model, str):
        h.model = None
    elif model is not None:
        h.model = model
    return h
