"""trace_check.py — checks a lock trace recorded from the real C code against the protocol.

Input: JSON Lines, one event per line, ascending `seq` (format in core_c/include/bskip_testing.h):
  {"seq":1,"thread":3,"ev":"begin","op":"get","key":42}
  {"seq":2,"thread":3,"ev":"acquire","mode":"R","node":17,"level":2,"key":40}  (key null: head)
  {"seq":3,"thread":3,"ev":"release","mode":"R","node":17,"level":2,"key":40}
  {"seq":5,"thread":1,"ev":"link","node":12,"level":0,"after":7}   (after null: the head)
  {"seq":8,"thread":2,"ev":"unlink","node":12,"level":0,"after":7}
  {"seq":9,"thread":3,"ev":"end","op":"get"}
Acquires are recorded just after the lock is obtained and releases just before it is given up, so
the seq order of one lock's events is the order of its holders. Held locks are identified by node
id. A node's place in the global order: with link events (core_c records them since the batch
path's false positive below) its position in its level's list, which the checker keeps from the
link/unlink events — by identity, so a first key that changes while the node is held (put_many's
shift_into_next lowers it) cannot mislead it; every non-head node acquired must then have been
linked in the trace (start tracing before the map is built). A trace without any link event
(older traces, hand-written examples) is ordered by the key recorded at acquisition.

Rules (the model's transition relation, as far as a lock trace shows it), checked in seq order:
  order        every acquisition is strictly greater, in the global order (level descending, then
               position key ascending, null = -inf), than every lock the thread holds
  coupling     an acquisition made while holding nothing is of a head (the start of a descent or
               of a delete's re-descent); any other is at the lowest level held or one below.
               put's placement-level steps are instances of order + coupling: the settle step
               (W on a, W on its successor b, then b released and a kept) and the shift (W on
               x's existing successor while x is held; b or y may later be acquired again)
  no-upgrade   a thread never asks for a lock it already holds (read->write upgrade or re-entry)
  release      a release names a lock the thread holds, in the mode it holds it
  exclusion    a W lock has one holder and no readers; R locks have no W holder
  begin-end    no locks held at begin or end; end names the op begun; ops do not nest
  read-only    get and scan take only R locks
  phases       put: no R acquisition after its first W acquisition; delete: the same within each
               pass (a pass starts at a head with nothing held)
  two-phase    scan: no acquisition after its shrinking phase began, i.e. after a level-0 release
               that is not a coupling step of the walk to lo's node (a coupling step leaves the
               thread holding only the lock it acquired last). A trace cannot tell a scan that
               couples along its whole range from that walk: the linearizability checker does.
  unfinished   at the end of the trace no thread is inside an operation or holds a lock
  pointers     (with link events) a node is linked only by a put, right after a node it
               write-holds, and only once; unlinked only by a delete write-holding it and its
               left neighbour, from right after that neighbour; no acquisition while holding a
               node already unlinked
The FIRST event that breaks a rule is reported (seq, thread, rule, explanation).
Invariant: check_trace never raises for a well-formed trace; malformed input raises
TraceFormatError naming the file, line and field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple, Union

OPS = ("get", "put", "delete", "scan")
MODES = ("R", "W")


class TraceFormatError(ValueError):
    """Malformed trace input (not JSON, a missing or ill-typed field, seq not ascending)."""


@dataclass
class Violation:
    seq: int
    thread: int
    rule: str
    message: str

    def __str__(self) -> str:
        return "seq %d, thread %d: [%s] %s" % (self.seq, self.thread, self.rule, self.message)


@dataclass
class TraceReport:
    """Verdict on one trace: `ok` when every event conforms; else `violation` is the first
    non-conforming step."""
    events: int
    threads: int
    operations: int
    violation: Optional[Violation] = None

    @property
    def ok(self) -> bool:
        return self.violation is None

    def describe(self) -> str:
        if self.ok:
            return "conforms: %d events, %d threads, %d operations" % (
                self.events, self.threads, self.operations)
        return "does not conform: %s" % self.violation


@dataclass
class _Held:
    mode: str
    level: int
    key: Optional[int]  # position key at acquisition; None = head (-inf)


@dataclass
class _Thread:
    op: Optional[str] = None
    held: Dict[int, _Held] = field(default_factory=dict)
    wrote: bool = False         # put/delete: a W lock was taken (in this pass)
    released0: bool = False     # scan: a level-0 lock was released
    acquired: int = 0


def _order_key(level: int, key: Optional[int]) -> Tuple[int, int, int]:
    """Sort key of the global order: level descending, then heads first, then key."""
    return (-level, 0 if key is None else 1, 0 if key is None else key)


def _fmt(node: int, level: int, key: Optional[int]) -> str:
    return "node %d (level %d, %s)" % (node, level, "head" if key is None else "key %d" % key)


def _field(ev: Dict[str, Any], name: str, types: Tuple[type, ...], where: str, nullable: bool = False) -> Any:
    if name not in ev:
        raise TraceFormatError("%s: missing field %r" % (where, name))
    v = ev[name]
    if v is None and nullable:
        return None
    if isinstance(v, bool) or not isinstance(v, types):
        raise TraceFormatError("%s: field %r has a bad value %r" % (where, name, v))
    return v


def _validate(ev: Any, where: str) -> Dict[str, Any]:
    if not isinstance(ev, dict):
        raise TraceFormatError("%s: an event must be a JSON object" % where)
    _field(ev, "seq", (int,), where)
    _field(ev, "thread", (int,), where)
    kind = _field(ev, "ev", (str,), where)
    if kind == "begin":
        if _field(ev, "op", (str,), where) not in OPS:
            raise TraceFormatError("%s: field 'op' has a bad value %r" % (where, ev["op"]))
        _field(ev, "key", (int,), where, nullable=True)
    elif kind == "end":
        if _field(ev, "op", (str,), where) not in OPS:
            raise TraceFormatError("%s: field 'op' has a bad value %r" % (where, ev["op"]))
    elif kind in ("link", "unlink"):
        _field(ev, "node", (int,), where)
        _field(ev, "level", (int,), where)
        _field(ev, "after", (int,), where, nullable=True)
    elif kind == "free":
        _field(ev, "node", (int,), where)
        _field(ev, "level", (int,), where)
    elif kind in ("request", "acquire", "release"):
        if "kids" in ev and (not isinstance(ev["kids"], list) or kind != "release" or any(
                isinstance(k, bool) or not isinstance(k, int) for k in ev["kids"])):
            raise TraceFormatError("%s: field 'kids' has a bad value %r" % (where, ev["kids"]))
        if _field(ev, "mode", (str,), where) not in MODES:
            raise TraceFormatError("%s: field 'mode' has a bad value %r" % (where, ev["mode"]))
        _field(ev, "node", (int,), where)
        _field(ev, "level", (int,), where)
        _field(ev, "key", (int,), where, nullable=True)
    else:
        raise TraceFormatError("%s: field 'ev' has a bad value %r" % (where, kind))
    return ev


def load_trace(path: Union[str, Path]) -> List[Dict[str, Any]]:
    """Reads and validates a JSON Lines trace file (blank lines are skipped)."""
    events = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = "%s:%d" % (path, lineno)
            try:
                ev = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TraceFormatError("%s: not JSON (%s)" % (where, exc.msg)) from None
            events.append(_validate(ev, where))
    return events


class _Checker:
    def __init__(self, lists: bool = False) -> None:
        self.threads: Dict[int, _Thread] = {}
        self.holders: Dict[int, Dict[int, str]] = {}  # node -> thread -> mode
        self.ops = 0
        self.lists = lists                      # order by list position (link events) or keys
        self.level_of: Dict[int, int] = {}      # linked non-head node -> level
        self.order: Dict[int, List[int]] = {}   # level -> its non-head nodes, left to right
        self.unlinked: Set[int] = set()

    def _place(self, node: int, level: int, key: Optional[int]) -> Optional[Tuple[int, int, int]]:
        """The node's sort key in the global order now (None: a non-head node never linked)."""
        if not self.lists:
            return _order_key(level, key)
        if node in self.level_of:
            return (-level, 1, self.order[level].index(node))
        if key is None and node not in self.unlinked:
            return (-level, 0, 0)
        return None

    def _holds_w(self, th: _Thread, node: Optional[int], level: int) -> bool:
        """th write-holds `node` (None: the head of `level`)."""
        if node is None:
            return any(h.mode == "W" and h.key is None and h.level == level and n not in self.level_of
                       for n, h in th.held.items())
        h = th.held.get(node)
        return h is not None and h.mode == "W"

    def _link(self, th: _Thread, ev: Dict[str, Any]) -> Optional[Tuple[str, str]]:
        node, level, after = ev["node"], ev["level"], ev["after"]
        where = "node %d after %s on level %d" % (node, "the head" if after is None else
                                                  "node %d" % after, level)
        if ev["ev"] == "link":
            if th.op != "put":
                return "pointers", "%s links %s" % (th.op, where)
            if node in self.level_of or node in self.unlinked or self.holders.get(node):
                return "pointers", "links %s, which is already linked or held" % where
            if not self._holds_w(th, after, level):
                return "pointers", "links %s without write-holding its left neighbour" % where
            lst = self.order.setdefault(level, [])
            if after is not None and after not in self.level_of:
                return "pointers", "links %s, a node not on that level" % where
            lst.insert(0 if after is None else lst.index(after) + 1, node)
            self.level_of[node] = level
            return None
        if th.op != "delete":
            return "pointers", "%s unlinks %s" % (th.op, where)
        if not (self._holds_w(th, after, level) and self._holds_w(th, node, level)):
            return "pointers", "unlinks %s without write-holding both" % where
        lst = self.order.get(level, [])
        expected = 0 if after is None else (lst.index(after) + 1 if after in lst else -1)
        if node not in lst or expected < 0 or expected >= len(lst) or lst[expected] != node:
            return "pointers", "unlinks %s, which is not right after it" % where
        lst.pop(expected)
        del self.level_of[node]
        self.unlinked.add(node)
        return None

    def step(self, ev: Dict[str, Any]) -> Optional[Tuple[str, str]]:
        """Applies one event; returns (rule, message) if it does not conform."""
        th = self.threads.setdefault(ev["thread"], _Thread())
        kind = ev["ev"]
        if kind == "begin":
            if th.op is not None:
                return "begin-end", "begins %s inside %s" % (ev["op"], th.op)
            if th.held:
                return "begin-end", "begins %s holding %d locks" % (ev["op"], len(th.held))
            self.ops += 1
            th.op, th.wrote, th.released0, th.acquired = ev["op"], False, False, 0
            return None
        if kind == "end":
            if th.op != ev["op"]:
                return "begin-end", "ends %s but the operation in progress is %s" % (ev["op"],
                                                                                     th.op)
            if th.held:
                return "begin-end", "ends %s still holding %s" % (ev["op"], ", ".join(
                    _fmt(n, h.level, h.key) for n, h in th.held.items()))
            th.op = None
            return None
        if kind in ("request", "free"):  # replay.py checks these against the model
            return None
        if kind in ("link", "unlink"):
            if th.op is None:
                return "begin-end", "%s of node %d outside an operation" % (kind, ev["node"])
            return self._link(th, ev)
        node, level, key, mode = ev["node"], ev["level"], ev["key"], ev["mode"]
        if th.op is None:
            return "begin-end", "%s of %s outside an operation" % (kind, _fmt(node, level, key))
        if kind == "acquire":
            return self._acquire(ev["thread"], th, node, level, key, mode)
        return self._release(ev["thread"], th, node, mode)

    def _acquire(self, tid: int, th: _Thread, node: int, level: int, key: Optional[int],
                 mode: str) -> Optional[Tuple[str, str]]:
        what = "%s on %s" % (mode, _fmt(node, level, key))
        if node in th.held:
            return "no-upgrade", "asks for %s, already held in %s" % (what, th.held[node].mode)
        new = self._place(node, level, key)
        if new is None:
            return "order", "acquires %s, a node no link event placed (the trace must begin " \
                "before the map's nodes are created)" % what
        for n, h in th.held.items():
            old = self._place(n, h.level, h.key)
            if old is None:
                return "pointers", "acquires %s while holding node %d, which was unlinked" % (
                    what, n)
            if not old < new:
                return "order", "acquires %s while holding %s, which is not below it" % (
                    what, _fmt(n, h.level, h.key))
        if not th.held:
            if key is not None:
                return "coupling", "acquires %s holding nothing, and it is not a head" % what
            if th.op == "delete":
                th.wrote = False  # a (re-)descent starts a new pass
        else:
            lowest = min(h.level for h in th.held.values())
            if level not in (lowest, lowest - 1):
                return "coupling", "acquires %s; the lowest lock held is on level %d" % (
                    what, lowest)
        if th.op in ("get", "scan") and mode != "R":
            return "read-only", "%s takes %s" % (th.op, what)
        if th.op in ("put", "delete"):
            if mode == "R" and th.wrote:
                return "phases", "%s takes %s after a W lock" % (th.op, what)
            th.wrote = th.wrote or mode == "W"
        if th.op == "scan" and th.released0:
            return "two-phase", "scan takes %s after releasing a level-0 lock" % what
        holders = self.holders.setdefault(node, {})
        others = {t: m for t, m in holders.items() if t != tid}
        if mode == "W" and others:
            return "exclusion", "holds %s while thread(s) %s hold it" % (what, ", ".join(
                "%d (%s)" % kv for kv in sorted(others.items())))
        if mode == "R" and "W" in others.values():
            return "exclusion", "holds %s while thread %d holds it in W" % (
                what, [t for t, m in others.items() if m == "W"][0])
        holders[tid] = mode
        th.held[node] = _Held(mode, level, key)
        th.acquired += 1
        return None

    def _release(self, tid: int, th: _Thread, node: int, mode: str) -> Optional[Tuple[str, str]]:
        h = th.held.get(node)
        if h is None:
            return "release", "releases node %d, which it does not hold" % node
        if h.mode != mode:
            return "release", "releases node %d in %s, held in %s" % (node, mode, h.mode)
        newest = th.held and list(th.held)[-1]
        del th.held[node]
        self.holders[node].pop(tid, None)
        if th.op == "scan" and h.level == 0:
            # A coupling step of the walk to lo's node leaves exactly the lock just acquired;
            # any other level-0 release starts the shrinking phase.
            coupling = len(th.held) == 1 and newest in th.held
            th.released0 = th.released0 or not coupling
        return None

    def finish(self) -> Optional[Tuple[int, str, str]]:
        for tid, th in sorted(self.threads.items()):
            if th.op is not None or th.held:
                return tid, "unfinished", "the trace ends inside %s holding %d locks" % (
                    th.op, len(th.held))
        return None


def check_trace(source: Union[str, Path, Iterable[Dict[str, Any]]]) -> TraceReport:
    """Checks a trace (a JSON Lines file path, or an iterable of event dicts in seq order).

    Returns a TraceReport (``ok``, or the first ``violation``). Raises TraceFormatError for
    malformed input. O(events x locks held per thread).

    >>> check_trace([{"seq": 1, "thread": 0, "ev": "begin", "op": "get", "key": 5},
    ...              {"seq": 2, "thread": 0, "ev": "end", "op": "get"}]).ok
    True
    """
    if isinstance(source, (str, Path)):
        events = load_trace(source)
    else:
        events = [_validate(ev, "event %d" % i) for i, ev in enumerate(source, 1)]
    c = _Checker(lists=any(ev["ev"] in ("link", "unlink") for ev in events))
    last = None
    for ev in events:
        if last is not None and ev["seq"] <= last:
            raise TraceFormatError("event seq %d: seq not ascending (after %d)" % (ev["seq"],
                                                                                    last))
        last = ev["seq"]
        bad = c.step(ev)
        if bad is not None:
            return TraceReport(len(events), len(c.threads), c.ops,
                               Violation(ev["seq"], ev["thread"], bad[0], bad[1]))
    end = c.finish()
    report = TraceReport(len(events), len(c.threads), c.ops)
    if end is not None:
        report.violation = Violation(last if last is not None else 0, end[0], end[1], end[2])
    return report
