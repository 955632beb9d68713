"""jepsen_edn.py — reads Jepsen's EDN histories (`store/<test>/<run>/history.edn`) with Knossos'
semantics, into a History for a given model.

Layouts: one top-level vector or list of operation maps, or one map per line (any number of
top-level maps); a map may be a Clojure record literal (`#jepsen.history.Op{...}`).
Semantics, as knossos.history defines them (`pairs+`, `complete`, `with-synthetic-infos`,
`without-failures`; checkers/README.md cites each rule):
  * events are ordered by their position in the file; that position is the time the checker
    uses (the original :index and :time are kept in Operation.source);
  * an :invoke is paired with the next :ok, :fail or :info of the same :process (a second
    :invoke of a process with one open is an error, as in Knossos' single-threaded processes;
    an :ok or :fail with no open :invoke is an error);
  * :fail means the operation did not happen: it is dropped with its invoke;
  * :info, or no completion at all, means indeterminate: the operation is pending (it may take
    effect at any time after its call, or never);
  * an :info with no open invoke (the nemesis, or any process's note) is not an operation: ignored;
  * the model maps (:f, the invoke's :value, the :ok's :value) to its operations
    (Model.from_jepsen); an :ok's non-nil :value replaces the invoke's (Knossos' `complete`).
Errors: HistoryFormatError naming the file, the line and what was expected.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .edn import EdnError, EdnList, EdnMap, EdnVector, Keyword, Tagged, read_all
from .history import History, HistoryFormatError, Operation
from .models import UNKNOWN, Model, ModelInputError

TYPES = ("invoke", "ok", "fail", "info")
_K = {name: Keyword(name) for name in ("type", "f", "value", "process", "index", "time")}


def _name(x: Any) -> Optional[str]:
    """The text of a keyword, symbol or string (Jepsen writes :f and :type as keywords)."""
    if isinstance(x, str):
        return x
    text = getattr(x, "text", None)
    return text if isinstance(text, str) else None


def plain(v: Any) -> Any:
    """An EDN value with keywords as their names (what models and reports compare and show)."""
    if isinstance(v, Keyword):
        return v.text
    if isinstance(v, (EdnVector, EdnList, list, tuple)):
        return tuple(plain(x) for x in v)
    if isinstance(v, frozenset):
        return frozenset(plain(x) for x in v)
    if isinstance(v, dict):
        return {plain(k): plain(x) for k, x in v.items()}
    return v


def events(text: str, path: Any) -> List[Tuple[EdnMap, int]]:
    """The event maps of the file in order, each with its line."""
    try:
        forms = read_all(text)
    except EdnError as exc:
        raise HistoryFormatError(path, exc.line, "not EDN: %s" % exc.message) from None
    if len(forms) == 1 and isinstance(forms[0], (EdnVector, EdnList)):
        forms = list(forms[0])
    out: List[Tuple[EdnMap, int]] = []
    last_line = 1
    for i, form in enumerate(forms):
        if isinstance(form, Tagged) and isinstance(form.value, EdnMap):
            form = form.value  # a record literal, e.g. #jepsen.history.Op{...}
        if not isinstance(form, EdnMap):
            raise HistoryFormatError(path, last_line, "expected an operation map {:type ... :process ...} "
                                     "as element %d of the history, got %r" % (i + 1, form))
        last_line = form.line
        out.append((form, form.line))
    return out


def read_jepsen_edn(text: str, path: Any, model: Model) -> History:
    """The operations of a Jepsen EDN history for `model` (module doc). O(n)."""
    open_invokes: Dict[Any, Tuple[int, EdnMap, int]] = {}  # process -> (position, event, line)
    ops: List[Operation] = []

    def operation(pos: int, inv: EdnMap, inv_line: int, done: Optional[EdnMap], ret_pos: Optional[int],
                  ret_line: Optional[int]) -> Operation:
        f = _name(inv.get(_K["f"]))
        completion = plain(done.get(_K["value"])) if done is not None else None
        try:
            inp, out = model.from_jepsen(f or "", plain(inv.get(_K["value"])), completion)
        except ModelInputError as exc:
            raise HistoryFormatError(path, ret_line or inv_line, str(exc)) from None
        source: Dict[str, Any] = {"line": inv_line, "ret_line": ret_line,
                                  "process": plain(inv.get(_K["process"]))}
        for key, event in (("", inv), ("ret_", done)):
            if event is not None:
                for field in ("index", "time"):
                    if _K[field] in event:
                        source[key + field] = plain(event[_K[field]])
        if done is None or out is UNKNOWN:  # pending, or a completion that constrains nothing
            if done is not None:
                source["unconstrained"] = True
            return Operation(source["process"], inp, None, pos, None, source)
        return Operation(source["process"], inp, out, pos, ret_pos, source)

    for pos, (event, line) in enumerate(events(text, path)):
        typ = _name(event.get(_K["type"]))
        if typ not in TYPES:
            raise HistoryFormatError(path, line, ":type must be one of :invoke, :ok, :fail, :info, got %r"
                                     % (event.get(_K["type"]),))
        if _K["process"] not in event:
            raise HistoryFormatError(path, line, "missing :process")
        proc = plain(event[_K["process"]])
        if not isinstance(proc, (int, str)) or isinstance(proc, bool):
            raise HistoryFormatError(path, line, ":process must be an integer (a client) or a keyword such "
                                     "as :nemesis, got %r" % (event[_K["process"]],))
        if typ == "invoke":
            if _name(event.get(_K["f"])) is None:
                raise HistoryFormatError(path, line, "missing :f (the operation's function)")
            if proc in open_invokes:
                raise HistoryFormatError(path, line, "process %r invoked again while its operation of "
                                         "line %d is still open" % (proc, open_invokes[proc][2]))
            open_invokes[proc] = (pos, event, line)
            continue
        if proc not in open_invokes:
            if typ == "info":
                continue  # the nemesis, or a note: not an operation (Knossos' pairs+)
            raise HistoryFormatError(path, line, ":%s for process %r with no open :invoke" % (typ, proc))
        call, inv, inv_line = open_invokes.pop(proc)
        if _name(event.get(_K["f"], inv.get(_K["f"]))) != _name(inv.get(_K["f"])):
            raise HistoryFormatError(path, line, "completion :f %s does not match the :invoke of line %d (:f %s)"
                                     % (_name(event.get(_K["f"])), inv_line, _name(inv.get(_K["f"]))))
        if typ == "fail":
            continue  # did not happen (Knossos' without-failures)
        if typ == "info":
            ops.append(operation(call, inv, inv_line, None, None, line))
        else:
            ops.append(operation(call, inv, inv_line, event, pos, line))
    for call, inv, inv_line in open_invokes.values():
        ops.append(operation(call, inv, inv_line, None, None, None))  # no completion: pending
    return History(ops, "", model.name, "jepsen-edn")


def looks_like_edn_ops(first_line: str) -> bool:
    """Does the first meaningful line start a Jepsen EDN history (a collection, a map, a record)?"""
    s = first_line.lstrip()
    return s.startswith(("[", "(", "{", "#jepsen"))

