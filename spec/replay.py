"""replay.py — trace validation by replay: a lock trace of the real C code, step by step through
model.py's transitions (after TLA+ trace validation, Cirstea, Kuppe, Merz et al. 2024).

The instrumented core (-DBSKIP_TRACE, format in core_c/include/bskip_testing.h) records, per
thread, every operation's begin/end (a put with its drawn height), every lock request, grant and
release (a write release above level 0 with the ids its entries' down pointers name: `kids`), every
link of a new node after its left neighbour, every unlink and every free, with node identities.
The replay keeps the set of abstract states (model.py State, concrete: concrete.py) the run can
be in, and for each event asks: which sequences of the model's transitions of that thread — any
number (up to MAX_SILENT) of steps no other thread can observe, then one step that produces the
event — are enabled from one of those states? The states they reach are the new set; an empty set
is a violation: the code did something the model (the relation the proof covers) does not allow.

Mapping of events to what a transition does (the one place it is written; `_derived`):
  request n m        the step leaves its thread PEND on n in mode m (start, right, down,
                     scan_next, shift_lock, del_lock_n, put_place_descend, ovf_descend,
                     split_descend)
  acquire n m        hold[t, n] goes NONE -> m on a live node (grant)
  link y after x     a node is created (UNBORN -> ALIVE, right of x = its ghost prv) and held W;
                     the trace then has y's request and acquire (C locks y before linking it):
                     one model step, three events (put_overflow, split, spill_yes,
                     lower_found_new)
  release n m        hold[t, n] goes m -> NONE (swap, settle_left, settle_pass, shift_back,
                     link_up, release_spill, f1, f2, del_n_keep, release)
  unlink n after x   n goes ALIVE -> FREED, released: unlink, release, free (del_n_unlink)
  end                pc -> DONE (finish)
  free n             part of the unlink's group above; never alone
  begin              not a step: the trace thread starts a new model thread (pc START, holding
                     nothing, its write level 0); a DONE thread is inert, so reusing its slot is
                     the same as a fresh thread
Every other transition is silent (get_end, scan_level0, scan_end, put_found, rd_end, restart,
del_found_r, put_place_leaf, run_next, shift, ovf_leaf, spill_no, split_leaf, lower_found_here,
del_remove_inside, del_end; and release_spill, f1 when they release nothing).
A request is recorded before the rwlock call and its grant after the call returns, so the replay
takes a request when its thread's next event comes (its acquire), back to back: writer
preference (a read waiting behind a waiting writer) is not validated here; a request never
granted (a trace cut short by a watchdog) is taken at the end, where the report names each
unfinished thread, the lock it waits for and who holds it.
The model abstracts keys, so its choices are fixed from the trace: a node choice is a node the
event names, a node its thread holds, or an entry its thread is about to remove (a child of a
node it write-holds that no later snapshot of this operation names); a put's height is its
begin's `height`, its spare nodes SPARE_MAX (all a thread's cache can hold: the model only
needs them to be enough); which entries a split, shift or settle moves is read from the next `kids`
snapshots of the operation; booleans are tried both ways. A `kids` snapshot must equal the
model's parent entries of that node.

Static facts come from the whole trace: a node's level from its events, heads are the nodes never
linked (so the map must be created after tracing starts) plus one head (id -1) above the highest
level named, since core_c's map has a head on each of its 32 levels; positions from the order of
link events (a node gets its place right after the node it was linked after, and keeps it:
unlinked nodes keep theirs, as the model's static positions require).

Invariants: the replay only *accepts* an event when a model transition produced exactly it; a
state that breaks the model's safety property (a thread holding or waiting for a freed node) is a
violation, as is a trace that ends with a thread inside an operation; coverage counts the
transitions along one explanation of the whole trace (a run of the model that produces it).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union, cast

import z3

from .concrete import ConcreteUniverse, NotConcrete, holds, value, vid
from .model import Model, Transition
from .state import State, fields
from .trace_check import TraceFormatError, _validate, load_trace
from .universe import (ALIVE, DELETE, FREED, GET, NONE, PC, PUT, RD, SCAN, UNBORN, WR, Choices,
                       Universe)

MAX_SILENT = 4          # silent steps tried before the step that produces an event
MAX_STATES = 64         # states kept at once (more: the replay gives up, never accepts)
MAX_LEVELS = 32         # core_c's BSKIP_MAX_LEVELS: a map has a head on every level
SPARE_MAX = 2 * MAX_LEVELS + 2  # core_c's SPARE_MAX: the most spare nodes a thread holds
PHANTOM_HEAD = -1       # the node id of the head above every level the trace names

_OPS = {"get": GET, "put": PUT, "delete": DELETE, "scan": SCAN}
_MODE = {"R": RD, "W": WR}
_MODE_NAME = {str(RD): "R", str(WR): "W"}


@dataclass
class ReplayViolation:
    seq: int
    thread: int
    message: str


@dataclass
class ReplayReport:
    """The verdict of replaying one trace through the model."""
    events: int
    threads: int
    ops: int
    nodes: int
    coverage: Dict[str, int] = field(default_factory=dict)
    violation: Optional[ReplayViolation] = None
    max_states: int = 1
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.violation is None

    def uncovered(self, model_transitions: Iterable[str]) -> List[str]:
        """Transitions of the model this trace never took."""
        return [t for t in model_transitions if t not in self.coverage]

    def describe(self) -> str:
        head = "%d events, %d threads, %d operations, %d nodes" % (
            self.events, self.threads, self.ops, self.nodes)
        if self.ok:
            return "replays through the model: %s; %d transitions exercised" % (
                head, len(self.coverage))
        v = self.violation
        assert v is not None
        return "does not replay: seq %d, thread %d: %s (%s)" % (v.seq, v.thread, v.message, head)


# ---- which pcs a transition can start at (found once, by Z3, from the model text itself) --------

_PCS: Dict[str, Set[Tuple[str, str, str]]] = {}


def start_pcs(transitions: List[Transition]) -> Dict[str, Set[Tuple[str, str, str]]]:
    """Transition name -> the (pc, operation, mode held) of its thread for which its guard is
    satisfiable (in any state). Asked of Z3 in a small universe over the model's own guards; the
    replay tries only these (a pruning that can never accept more, only skip a transition that
    cannot fire)."""
    missing = [tr for tr in transitions if tr.name not in _PCS]
    if missing:
        u = Universe(2, 4, max_level=None)
        m = Model(u)
        for tr in missing:
            s = State.fresh(u, "pcs")
            t = u.threads[0]
            guard, _ = tr.fn(m, s, t, Choices(u, "pcs." + tr.name))
            solver = z3.Solver()
            solver.add(guard)
            found: Set[Tuple[str, str, str]] = set()
            keys = (s.pc[t], m.op(t), s.xm[t])
            while solver.check() == z3.sat:
                mod = solver.model()
                vals = [mod.eval(k, model_completion=True) for k in keys]
                found.add(tuple(str(v) for v in vals))  # type: ignore[arg-type]
                solver.add(z3.Or([k != v for k, v in zip(keys, vals)]))
            _PCS[tr.name] = found
    return {tr.name: _PCS[tr.name] for tr in transitions}


# ---- the trace as a scene: nodes, levels, heads, positions, per-thread streams -----------------

class _Scene:
    def __init__(self, events: List[Dict[str, Any]]) -> None:
        self.events = events
        level: Dict[int, int] = {}
        linked: List[Tuple[int, int, Optional[int]]] = []
        for ev in events:
            if "node" in ev:
                self._level(level, ev["node"], ev["level"], ev)
            for k in ev.get("kids", ()):
                self._level(level, k, ev["level"] - 1, ev)
            if ev["ev"] == "link":
                linked.append((ev["node"], ev["level"], ev["after"]))
        linked_ids = {n for n, _, _ in linked}
        self.heads: Dict[int, int] = {}
        for n, lv in sorted(level.items()):
            if n not in linked_ids:
                if lv in self.heads:
                    raise TraceFormatError(
                        "nodes %d and %d (level %d) are used but never linked: record the trace "
                        "of a map created after tracing starts" % (self.heads[lv], n, lv))
                self.heads[lv] = n
        # core_c creates the heads of all levels with the map; one above the highest the trace
        # names stands for them (a delete pass may start at a level only if none is above it)
        top = max(self.heads, default=-1)
        if top + 1 < MAX_LEVELS:
            self.heads[top + 1] = PHANTOM_HEAD
            level[PHANTOM_HEAD] = top + 1
        order: Dict[int, List[int]] = {lv: [h] for lv, h in self.heads.items()}
        for n, lv, after in linked:
            row = order.setdefault(lv, [])
            left = self.heads.get(lv) if after is None else after
            if left not in row:
                raise TraceFormatError("node %d is linked after %s, which is not on level %d" % (
                    n, left, lv))
            row.insert(row.index(left) + 1, n)
        self.pos = {n: i for row in order.values() for i, n in enumerate(row)}
        self.level = level
        self.ids = sorted(level)
        self.threads = sorted({ev["thread"] for ev in events})
        self.stream: Dict[int, List[int]] = {t: [] for t in self.threads}
        for i, ev in enumerate(events):
            self.stream[ev["thread"]].append(i)

    @staticmethod
    def _level(level: Dict[int, int], n: int, lv: int, ev: Dict[str, Any]) -> None:
        if level.setdefault(n, lv) != lv:
            raise TraceFormatError("seq %d: node %d is on level %d, earlier on level %d" % (
                ev["seq"], n, lv, level[n]))

    def after(self, ev: Dict[str, Any]) -> int:
        return self.heads[ev["level"]] if ev["after"] is None else ev["after"]


class _Need(Exception):
    def __init__(self, name: str, kind: str) -> None:
        super().__init__(name)
        self.name, self.kind = name, kind


class _Choices:
    """Choices handed to a transition: fixed values, or _Need for the replay to enumerate."""

    def __init__(self, assign: Dict[str, Any]) -> None:
        self.assign = assign

    def _get(self, name: str, kind: str) -> Any:
        if name not in self.assign:
            raise _Need(name, kind)
        return self.assign[name]

    def node(self, name: str) -> z3.ExprRef:
        return self._get(name, "node")

    def int(self, name: str) -> z3.ArithRef:
        return self._get(name, "int")

    def bool(self, name: str) -> z3.BoolRef:
        return self._get(name, "bool")

    def pred(self, name: str) -> Any:  # a callable node -> bool, as Choices.pred's FuncDecl
        return self._get(name, "pred")


Ev = Tuple[Any, ...]


class _Replay:
    def __init__(self, events: List[Dict[str, Any]]) -> None:
        self.sc = sc = _Scene(events)
        self.u = u = ConcreteUniverse(max(1, len(sc.threads)), max(1, len(sc.ids)))
        self.node = {n: u.nodes[i] for i, n in enumerate(sc.ids)}
        self.id_of = {vid(e): n for n, e in self.node.items()}
        self.thread = {t: u.threads[i] for i, t in enumerate(sc.threads)}
        self.op: Dict[int, z3.ExprRef] = {}
        self.height: Dict[int, int] = {}
        heads = set(sc.heads.values())
        lvl = {vid(e): value(sc.level[n]) for n, e in self.node.items()}
        pos = {vid(e): value(sc.pos.get(n, 0)) for n, e in self.node.items()}
        ish = {vid(e): value(n in heads) for n, e in self.node.items()}
        statics = {"lvl": lambda n: lvl[vid(n)], "pos": lambda n: pos[vid(n)],
                   "ishead": lambda n: ish[vid(n)], "op": lambda t: self.op.get(vid(t), GET)}
        self.m = Model(u, None, statics=statics)
        self.pcs = start_pcs(self.m.transitions)
        n0 = u.nodes[0]
        defaults: Dict[str, Callable[..., Any]] = {
                    "st": lambda n: ALIVE if z3.is_true(ish[vid(n)]) else UNBORN,
                    "hasn": lambda n: False, "hasp": lambda n: False, "hold": lambda t, n: NONE,
                    "pc": lambda t: PC["DONE"], "xm": lambda t: NONE, "reqm": lambda t: NONE,
                    "hasrel": lambda t: False, "cont": lambda t: PC["DONE"],
                    "has_s": lambda t: False, "lim": lambda t: 0, "res": lambda t: 0}
        arrays = {}
        for name, sorts in fields(u).items():
            fill = defaults.get(name) or (lambda *a, _n=n0: _n)
            arrays[name] = u.filled(*sorts[:-1], init=fill)
        self.init = State(arrays, u)
        self.thread_fields = [k for k, sorts in fields(u).items() if sorts[0] == u.T and k != "hold"]
        self._parents: Dict[Tuple[int, int], Dict[int, int]] = {}

    # ---- helpers over concrete states -----------------------------------------------------
    def canon(self, s: State, tz: z3.ExprRef) -> State:
        """s with thread tz's registers that are dead at its pc (_LIVE) at their defaults: no
        step reads them before a step writes them, so states that differ only there have the
        same futures (one state)."""
        pc = str(s.pc[tz])
        dead = [k for k, live in _LIVE.items() if pc not in live]
        return self._dead_parents(self._reset(s, tz, dead) if dead else s)

    def _dead_parents(self, s: State) -> State:
        """s with par[c] at its initial value wherever hasp[c] is false. Every step of model.py
        reads par[c] only together with hasp[c] (a child's parent means something only while a
        parent entry names it), and every step that sets hasp[c] writes par[c]: so the old
        parent a dropped entry leaves behind is dead, and states that differ only there have
        the same futures. Without this, the ways a run may have moved an entry before dropping
        it multiply the states (a long trace gave up at 64 states, 32 of them differing only
        in dead par cells)."""
        par, hasp, init = s.par, s.hasp, self.init.par
        cells = par.cells
        fix = {c: init.cells[c] for c, v in cells.items()
               if v is not init.cells[c] and not holds(hasp.cells[c])}
        if not fix:
            return s
        return s.with_(par=type(par)({**cells, **fix}))

    def _reset(self, s: State, tz: z3.ExprRef, keys: Iterable[str]) -> State:
        """s with thread tz's cells of the fields `keys` as in the initial state."""
        return s.with_(**{k: self.u.store(s.f[k], tz, self.init.f[k][tz]) for k in keys})

    def fresh_thread(self, s: State, tz: z3.ExprRef) -> State:
        """s with thread tz's own fields as in an initial state (pc START, write level 0, the
        rest at their defaults): a new model thread in the slot of a finished one. Its old
        values are dead (a DONE thread holds nothing and takes no step), so states that differ
        only there are one state."""
        s = self._reset(s, tz, self.thread_fields)
        return s.with_(pc=self.u.store(s.pc, tz, PC["START"]))

    def nid(self, e: z3.ExprRef) -> int:
        return self.id_of[vid(e)]

    def kids_of(self, s: State, n: int) -> Set[int]:
        x = self.node[n]
        return {c for c, e in self.node.items() if holds(s.hasp[e]) and s.par[e].eq(x)}

    def _op_end(self, t: int, k: int) -> List[int]:
        """The rest of thread t's current operation: its event indices from stream position k."""
        out = []
        for i in self.sc.stream[t][k:]:
            out.append(i)
            if self.sc.events[i]["ev"] == "end":
                break
        return out

    def final_parent(self, t: int, k: int) -> Dict[int, int]:
        """child id -> the node whose next `kids` snapshot in this operation names it (computed
        once per event: every transition tried there asks)."""
        out = self._parents.get((t, k))
        if out is None:
            out = self._parents[(t, k)] = {}
            for i in self._op_end(t, k):
                ev = self.sc.events[i]
                for c in ev.get("kids", ()):
                    out.setdefault(c, ev["node"])
        return out

    def removals(self, s: State, tz: z3.ExprRef, t: int, k: int) -> List[int]:
        """Children of nodes t write-holds that no later snapshot of this operation names."""
        later = self.final_parent(t, k)
        out = []
        for c, e in self.node.items():
            if holds(s.hasp[e]) and s.hold[tz, s.par[e]].eq(WR) and c not in later:
                out.append(c)
        return out

    # ---- what a step shows in the trace ---------------------------------------------------
    def derived(self, pre: State, post: State, tz: z3.ExprRef) -> List[Ev]:
        out: List[Ev] = []
        if not pre.pc[tz].eq(PC["PEND"]) and post.pc[tz].eq(PC["PEND"]):
            out.append(("request", self.nid(post.req[tz]), _MODE_NAME[str(post.reqm[tz])]))
        for n, e in self.node.items():
            a, b = pre.hold[tz, e], post.hold[tz, e]
            if a.eq(b):
                continue
            if a.eq(NONE):
                mode = _MODE_NAME[str(b)]
                if pre.st[e].eq(UNBORN):
                    out += [("link", n, self.nid(post.prv[e])), ("request", n, "W"),
                            ("acquire", n, "W")]
                else:
                    out.append(("acquire", n, mode))
            elif b.eq(NONE):
                mode = _MODE_NAME[str(a)]
                if post.st[e].eq(FREED) and not pre.st[e].eq(FREED):
                    out += [("unlink", n, self.nid(pre.prv[e])), ("release", n, mode), ("free", n)]
                else:
                    out.append(("release", n, mode))
            else:
                out.append(("mode", n, str(a), str(b)))  # never matches: no in-place change
        if post.pc[tz].eq(PC["DONE"]) and not pre.pc[tz].eq(PC["DONE"]):
            out.append(("end",))
        return out

    def observed(self, ev: Dict[str, Any]) -> Ev:
        kind = ev["ev"]
        if kind in ("request", "acquire", "release"):
            return (kind, ev["node"], ev["mode"])
        if kind in ("link", "unlink"):
            return (kind, ev["node"], self.sc.after(ev))
        if kind == "free":
            return (kind, ev["node"])
        return (kind,)

    # ---- enumerating a transition's choices -------------------------------------------------
    def runs(self, tr: Transition, s: State, tz: z3.ExprRef, t: int, k: int,
             group: List[Dict[str, Any]]) -> Iterator[State]:
        named = [ev["node"] for ev in group if "node" in ev]
        named += [ev["after"] for ev in group if ev.get("after") is not None]

        def cands(need: _Need) -> List[Any]:
            if need.kind == "node":
                held = [n for n, e in self.node.items() if not s.hold[tz, e].eq(NONE)]
                ns = list(dict.fromkeys(named + held + self.removals(s, tz, t, k)))
                return [self.node[n] for n in ns if n in self.node]
            if need.kind == "bool":
                return [z3.BoolVal(False), z3.BoolVal(True)]
            if need.kind == "int" and need.name == "res":  # spares: core_c's cache holds
                return [z3.IntVal(SPARE_MAX)]                 # at most SPARE_MAX
            if need.kind == "int":
                return [z3.IntVal(self.height.get(t, 1))]
            fp = self.final_parent(t, k)
            cache: Dict[int, z3.BoolRef] = {}

            def moves(c: z3.ExprRef) -> z3.BoolRef:
                cid = self.nid(c)
                if cid not in cache:
                    dest = fp.get(cid)
                    cache[cid] = z3.BoolVal(holds(s.hasp[c]) and dest is not None
                                            and not s.par[c].eq(self.node[dest]))
                return cache[cid]
            return [moves]

        def go(assign: Dict[str, Any]) -> Iterator[State]:
            try:
                guard, post = tr.fn(self.m, s, tz, cast(Choices, _Choices(assign)))
                ok = holds(guard)
            except _Need as need:
                for v in cands(need):
                    yield from go({**assign, need.name: v})
                return
            except (NotConcrete, KeyError):
                return
            if ok:
                yield post

        yield from go({})

    # ---- one event -----------------------------------------------------------------------
    def advance(self, s: State, t: int, k: int, group: List[Dict[str, Any]]
                ) -> List[Tuple[State, List[str]]]:
        tz = self.thread[t]
        want = [self.observed(ev) for ev in group]
        frontier: List[Tuple[State, List[str]]] = [(s, [])]
        results: List[Tuple[State, List[str]]] = []
        for _depth in range(MAX_SILENT + 1):
            nxt: List[Tuple[State, List[str]]] = []
            for st, path in frontier:
                where = (str(st.pc[tz]), str(self.op.get(vid(tz), GET)), str(st.xm[tz]))
                for tr in self.m.transitions:
                    # a node-creating step shows as a link (derived): tried only for one
                    if where not in self.pcs[tr.name] or (tr.acquires and want[0][0] != "link"):
                        continue
                    for post in self.runs(tr, st, tz, t, k, group):
                        d = self.derived(st, post, tz)
                        post = self.canon(post, tz)
                        if not d:
                            nxt.append((post, path + [tr.name]))
                        elif d == want:
                            results.append((post, path + [tr.name]))
            frontier = _dedupe(nxt)
            if not frontier:
                break
        return results

    def stuck(self, s: State) -> str:
        """Where each unfinished thread stands (for a trace cut short, e.g. by a watchdog): the
        lock it asked for and who holds it (a cycle here is a deadlock), or its last step."""
        parts = []
        for t, tz in self.thread.items():
            pc = str(s.pc[tz])
            if pc == "DONE":
                continue
            held = ", ".join("%s %d" % (_MODE_NAME[str(s.hold[tz, e])], n)
                             for n, e in self.node.items() if not s.hold[tz, e].eq(NONE))
            what = "thread %d (holding %s)" % (t, held or "nothing")
            if pc == "PEND":
                req = s.req[tz]
                holders = ["thread %d (%s)" % (v, _MODE_NAME[str(s.hold[vz, req])])
                           for v, vz in self.thread.items()
                           if v != t and not s.hold[vz, req].eq(NONE)]
                what += " waits for %s node %d, held by %s" % (
                    _MODE_NAME[str(s.reqm[tz])], self.nid(req), ", ".join(holders) or "nobody")
            else:
                what += " stopped at %s" % pc
            parts.append(what)
        return "; ".join(parts)

    def safe(self, s: State) -> Optional[str]:
        u = self.u
        for t in u.threads:
            for e in u.nodes:
                if not s.hold[t, e].eq(NONE) and s.st[e].eq(FREED):
                    return "a thread holds freed node %d" % self.nid(e)
            if s.pc[t].eq(PC["PEND"]) and s.st[s.req[t]].eq(FREED):
                return "a thread waits for freed node %d" % self.nid(s.req[t])
        return None


def _key(s: State) -> Tuple[Any, ...]:
    return tuple(s.f[k].key() for k in sorted(s.f))


def _dedupe(items: List[Tuple[State, Any]]) -> List[Tuple[State, Any]]:
    seen: Dict[Tuple[Any, ...], Tuple[State, Any]] = {}
    for st, path in items:
        seen.setdefault(_key(st), (st, path))
    return list(seen.values())


_GROUP = {"link": 3, "unlink": 3}

# Thread registers and the pcs at which some step may read them before writing them (model.py):
# the request registers only by grant (PEND), swap, settle_left and settle_pass (SWAP) and the wait
# conditions of a PEND thread, and every step into PEND writes them; y (second node) by the shift,
# overflow, split, found-lower and delete-successor steps (SH, OVF, S1-S4, F1, F2, DN), written by
# every step that enters those; s and has_s (spill) by link_up's successor release_spill (S2, S3).
_REQ = {"PEND", "SWAP"}
_Y = {"SH", "OVF", "S1", "S2", "S3", "S4", "F1", "F2", "DN"}
_LIVE = {"req": _REQ, "reqm": _REQ, "rel": _REQ, "hasrel": _REQ, "cont": _REQ, "y": _Y,
         "s": {"S2", "S3"}, "has_s": {"S2", "S3"}}


def replay_trace(source: Union[str, Path, Iterable[Dict[str, Any]]]) -> ReplayReport:
    """Replays a recorded trace through model.py's transitions.

    Returns a ReplayReport (``ok``, the first ``violation``, ``coverage``: transition -> times
    taken). Raises TraceFormatError for malformed input. Roughly O(events x transitions tried x
    nodes) term operations.

    >>> lock = {"thread": 0, "mode": "R", "node": 1, "level": 0, "key": None}
    >>> get = [{"seq": 1, "thread": 0, "ev": "begin", "op": "get", "key": 5},
    ...        dict(lock, seq=2, ev="request"), dict(lock, seq=3, ev="acquire"),
    ...        dict(lock, seq=4, ev="release"), {"seq": 5, "thread": 0, "ev": "end", "op": "get"}]
    >>> sorted(replay_trace(get).coverage)
    ['finish', 'get_end', 'grant', 'release', 'start']
    >>> replay_trace(get[:2] + get[3:]).violation.message  # released without the grant
    'no model transition of this thread produces release R node 1 (level 0) from any of the 1 states the run can be in'

    """
    start = time.perf_counter()
    if isinstance(source, (str, Path)):
        events = load_trace(source)
    else:
        events = [_validate(ev, "event %d" % i) for i, ev in enumerate(source, 1)]
    for a, b in zip(events, events[1:]):
        if b["seq"] <= a["seq"]:
            raise TraceFormatError("event seq %d: seq not ascending (after %d)" % (b["seq"],
                                                                                    a["seq"]))
    r = _Replay(events)
    sc = r.sc
    report = ReplayReport(len(events), len(sc.threads), 0, len(sc.ids))
    # each state with its explanation so far: the transitions taken, as a cons list of steps
    states: List[Tuple[State, Any]] = [(r.init, None)]
    pos_in_stream = {i: k for t in sc.threads for k, i in enumerate(sc.stream[t])}
    consumed: Set[int] = set()

    def fail(ev: Dict[str, Any], msg: str) -> ReplayReport:
        report.violation = ReplayViolation(ev["seq"], ev["thread"], msg)
        report.coverage = _taken(states[0][1]) if states else {}
        report.seconds = time.perf_counter() - start
        return report

    def step(i: int) -> Optional[ReplayReport]:
        """Applies event i (with the rest of its group); a failed report, or None."""
        nonlocal states
        ev = events[i]
        t, k = ev["thread"], pos_in_stream[i]
        idx = sc.stream[t][k:k + _GROUP.get(ev["ev"], 1)]
        group = [events[j] for j in idx]
        nxt: List[Tuple[State, Any]] = []
        for st, hist in states:
            nxt += [(post, (tuple(path), hist)) for post, path in r.advance(st, t, k, group)]
        good = []
        last = group[-1] if group[-1]["ev"] != "free" else group[-2]
        for st, path in _dedupe(nxt):
            if "kids" in last and r.kids_of(st, last["node"]) != set(last["kids"]):
                continue
            good.append((st, path))
        if not good:
            why = ""
            if "kids" in last and nxt:
                why = " (node %d's entries name %s, the model's %s)" % (
                    last["node"], sorted(last["kids"]), sorted(r.kids_of(nxt[0][0], last["node"])))
            return fail(ev, "no model transition of this thread produces %s from any of the %d "
                        "states the run can be in%s" % (_show(group), len(states), why))
        for st, _ in good:
            bad = r.safe(st)
            if bad is not None:
                return fail(ev, bad)
        if len(good) > MAX_STATES:
            return fail(ev, "more than %d model states fit the trace here: gave up" % MAX_STATES)
        states = good
        report.max_states = max(report.max_states, len(states))
        consumed.update(idx)
        return None

    # A request is recorded before the rwlock call and its grant after the call returns: the
    # replay takes a request when its thread's next event comes (its acquire), back to back.
    deferred: Dict[int, int] = {}
    for i, ev in enumerate(events):
        if i in consumed:
            continue
        t, kind = ev["thread"], ev["ev"]
        tz = r.thread[t]
        if kind == "request":
            deferred[t] = i
            continue
        if t in deferred:
            bad = step(deferred.pop(t))
            if bad is not None:
                return bad
        if kind == "begin":
            kept = []
            for st, path in states:
                if not st.pc[tz].eq(PC["DONE"]) or any(
                        not st.hold[tz, e].eq(NONE) for e in r.u.nodes):
                    continue
                kept.append((r.fresh_thread(st, tz), path))
            if not kept:
                return fail(ev, "begins %s while its previous operation is unfinished" % ev["op"])
            r.op[vid(tz)] = _OPS[ev["op"]]
            r.height[t] = ev.get("height", 1)
            states = _dedupe(kept)
            report.ops += 1
            continue
        bad = step(i)
        if bad is not None:
            return bad
    for i in sorted(deferred.values()):  # requests never granted (a run cut short): taken now
        bad = step(i)
        if bad is not None:
            return bad
    done = [hist for st, hist in states if all(st.pc[tz].eq(PC["DONE"]) for tz in r.u.threads)]
    if not done:
        last = events[-1] if events else {"seq": 0, "thread": 0}
        return fail(last, "the trace ends inside an operation: " + r.stuck(states[0][0]))
    report.coverage = _taken(done[0])
    report.seconds = time.perf_counter() - start
    return report


def _taken(hist: Any) -> Dict[str, int]:
    """Transition -> times taken along one explanation (a cons list of steps)."""
    out: "Counter[str]" = Counter()
    while hist is not None:
        names, hist = hist
        out.update(names)
    return dict(out)


def _show(group: List[Dict[str, Any]]) -> str:
    parts = []
    for ev in group:
        kind = ev["ev"]
        if kind in ("request", "acquire", "release"):
            parts.append("%s %s node %d (level %d)" % (kind, ev["mode"], ev["node"], ev["level"]))
        elif kind in ("link", "unlink"):
            parts.append("%s node %d after %s" % (kind, ev["node"], ev["after"]))
        else:
            parts.append("%s%s" % (kind, " node %d" % ev["node"] if "node" in ev else ""))
    return " + ".join(parts)
