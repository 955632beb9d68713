"""models.py — sequential specifications the checker checks histories against.

A `Model` (as in Porcupine: a bundle of pure functions) has:
  init()                       -> the initial state
  step(state, input, output)   -> (ok, new_state): ok is False when `output` is impossible for
                                  `input` in `state`. For a pending operation `output` is UNKNOWN
                                  and the step must accept any output (but still apply the effect).
  steps(state, input, output)  -> every possible successor (nondeterministic models, with
                                  nondeterministic = True; [] when `output` is impossible)
  key(state)                   -> a hashable stand-in for the state (default: the state itself);
                                  equal keys must mean equal states (it is the memo's equality)
  partition(operations)        -> independent sub-histories (P-compositionality); default: one
  describe_operation(op)       -> short text for reports;  describe_state(state) -> text
Subclass Model for your own object; `check` then runs the same C search, calling your step
through ctypes (slower than the built-ins, same results and API).

Built-in models (state and steps run inside the C engine; their Python steps below are the same
specification, used to show states in reports and as the tests' oracle):
  register      {"f": "read"} -> value|None, {"f": "write", "value": v}
  cas-register  + {"f": "cas", "from": a, "to": b} -> True|False; the register starts as None
  lossy-register  register ops; nondeterministic: a write may be lost (LossyRegister)
  kv            {"f": "get"|"put"|"append"|"delete", "key": k, "value": s}; values are strings
                (ints are compared as their decimal text); a missing key reads as "" (as in
                Porcupine); partitioned by key
  sortedmap     int64 keys and values: get k -> value|None; put k v -> previous|None; delete k ->
                removed|None; scan lo hi [limit] -> [[k, v], ...] (keys in [lo, hi), ascending,
                the first `limit`; with "reverse": true descending, the first `limit` from hi
                down, i.e. the greatest); positional reads (SkipMap's peekitem/bisect_left/index):
                select i -> [k, v] at position i (negative from the end) | None when out of
                range; rank k -> the number of keys < k; index k -> that number | None when k
                is absent; not partitioned: scans and positions span keys
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _cengine as C
from ._cengine import Encoded
from .history import Operation


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""The output passed to Model.step for a pending operation: any output is acceptable."""


KVState = Tuple[Tuple[Any, str], ...]
"""The kv model's state: (key, text) pairs sorted by key, no empty texts."""
SortedMapState = Tuple[Tuple[int, int], ...]
"""The sortedmap model's state: (key, value) pairs in ascending key order."""


class ModelInputError(ValueError):
    """An operation does not fit the model (unknown function, missing or mistyped field)."""


class Model:
    """Base class of sequential models; see the module doc. Subclass and override."""

    name = "custom"
    builtin: Optional[str] = None  # the C engine's model name for built-ins (lc.h LC_MODELS)
    nondeterministic = False  # True: steps() may give several successor states

    def init(self) -> Any:
        raise NotImplementedError

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        raise NotImplementedError

    def key(self, state: Any) -> Any:
        return state

    def steps(self, state: Any, input: Mapping[str, Any], output: Any) -> List[Any]:
        """Every state the operation may lead to (empty: the output is impossible). A
        nondeterministic model (nondeterministic = True) overrides this instead of step; the
        search then follows the set of all states some resolution of the choices reaches
        (Porcupine's power-set construction, in C). Default: step's one successor."""
        ok, new = self.step(state, input, output)
        return [new] if ok else []

    def partition(self, operations: Sequence[Operation]) -> List[List[Operation]]:
        return [list(operations)]

    def describe_operation(self, op: Operation) -> str:
        args = ", ".join("%s=%r" % kv for kv in op.input.items() if kv[0] != "f")
        out = "?" if op.pending else repr(op.output)
        return "%s(%s) -> %s" % (op.f, args, out)

    def describe_state(self, state: Any) -> str:
        return repr(state)

    def read_only(self, op: Operation) -> bool:
        """Does `op` leave every state unchanged? A pending read-only operation constrains
        nothing and is left out of the search; a read-only operation never justifies another.
        Default False (every operation may change the state: always sound)."""
        return False

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """May `writer`'s effect be part of what the completed `observer` saw, were `writer`
        linearized before it? The counterexample minimiser never deletes an operation that
        justifies a kept observer it may precede in real time (writer.call <= observer.ret: intervals are closed), so
        a counterexample cannot blame a read on a write it deleted (checkers/README.md,
        "Counterexamples"). Must be True whenever the state `observer` needs can depend on
        `writer`; a model may be precise (a read of v depends only on writes of v) or
        conservative. Default: every operation that is not read_only (sound for any model)."""
        return not self.read_only(writer)

    def from_jepsen(self, f: str, value: Any, completion: Any) -> Tuple[Dict[str, Any], Any]:
        """A Jepsen operation (`:f` name, the invoke's `:value`, the `:ok` completion's
        `:value`) as this model's (input, output). An output of UNKNOWN means the completion
        constrains nothing (e.g. Knossos' reads of nil): the operation is kept as pending.
        Default: input {"f": f, "value": value}, output the completion's value."""
        return {"f": f, "value": value}, completion

    def encode(self, ops: Sequence[Operation], enc: Encoded, t: Callable[[Any], int]) -> None:
        """Built-in models (`builtin` set) only: appends the C engine's encoding of `ops` to `enc`,
        with times mapped by `t`."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return "<model %s>" % self.name


def _field(op: Operation, name: str) -> Any:
    try:
        return op.input[name]
    except KeyError:
        raise ModelInputError("operation %r lacks field %r" % (dict(op.input), name)) from None


def _int64(op: Operation, name: str, value: Any = None) -> int:
    v = _field(op, name) if value is None else value
    if not isinstance(v, int) or isinstance(v, bool) or not -(2**63) <= v < 2**63:
        raise ModelInputError("operation %r: %s must be an int64, got %r" % (dict(op.input), name, v))
    return v


class Register(Model):
    """A read/write register starting as `init` (default None)."""

    name, builtin = "register", "register"
    FUNCS: Tuple[str, ...] = ("read", "write")

    def __init__(self, init: Any = None) -> None:
        self.initial = init

    def init(self) -> Any:
        return self.initial

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        f = input["f"]
        if f == "read":
            return (output is UNKNOWN or output == state), state
        if f == "write":
            return True, input["value"]
        raise ModelInputError("%s model: unknown function %r" % (self.name, f))

    def read_only(self, op: Operation) -> bool:
        return op.f == "read"

    def _written(self, op: Operation) -> Tuple[bool, Any]:
        """(True, v) when `op` may set the register to v; (False, None) when it cannot."""
        if op.f == "write":
            return True, _hashable(op.input.get("value"))
        if op.f == "cas" and (op.pending or op.output):
            return True, _hashable(op.input.get("to"))
        return False, None

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """A read of v (or a cas that swapped from v) depends on the writes of v; a cas that
        failed from v depends on the writes of anything else: the last write before an observer
        in any linearization is one of these, so keeping them all keeps its state."""
        if observer.pending:
            return False
        writes, v = self._written(writer)
        if not writes:
            return False
        if observer.f == "read":
            return bool(v == _hashable(observer.output))
        if observer.f == "cas":
            same = bool(v == _hashable(observer.input.get("from")))
            return same if observer.output else not same
        return False

    def from_jepsen(self, f: str, value: Any, completion: Any) -> Tuple[Dict[str, Any], Any]:
        """Knossos' register: :read (invoked with nil; a completion :value nil constrains nothing:
        Knossos accepts it in every state), :write v, and for cas-register :cas [from to] (:ok =
        swapped); an :ok's non-nil :value replaces the invoke's (Knossos' history/complete)."""
        if f == "read":
            if value is not None:
                raise ModelInputError("%s: a :read invoked with :value %r (a plain register read takes nil); "
                                      "for jepsen.independent histories use --model independent:%s"
                                      % (self.name, value, self.name))
            return {"f": "read"}, UNKNOWN if completion is None else completion
        if completion is not None:
            value = completion  # Knossos' history/complete: the :ok's value is the operation's
        if f == "write":
            return {"f": "write", "value": value}, None
        if f == "cas" and "cas" in self.FUNCS:
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise ModelInputError("%s: :cas takes [from to], got %r" % (self.name, value))
            return {"f": "cas", "from": value[0], "to": value[1]}, True
        raise ModelInputError("%s model: unknown function :%s (%s)" % (self.name, f, ", ".join(
            ":" + x for x in self.FUNCS)))

    def encode(self, ops: Sequence[Operation], enc: Encoded, t: Callable[[Any], int]) -> None:
        """Appends the lc.h encoding of `ops` to `enc`: values become ids, the initial value is
        0 (the engine's initial state). O(n)."""
        initial = _hashable(self.initial)
        ids: Dict[Any, int] = {}

        def vid(v: Any) -> int:
            if type(v) is int or type(v) is str:  # already hashable: skip _hashable
                h = v
            else:
                h = _hashable(v)
            return 0 if h == initial else ids.setdefault(h, len(ids) + 1)

        add, funcs = enc.add, self.FUNCS
        GET, PUT, CAS, PENDING = C.GET, C.PUT, C.CAS, C.PENDING
        raw = t is int  # int timestamps pass through: skip a call per time
        for op in ops:
            inp = op.input
            f = inp.get("f")
            if type(f) is not str:
                f = op.f
            if f not in funcs:
                raise ModelInputError("%s model: unknown function %r in %r" % (self.name, f, dict(inp)))
            r = op.ret
            a = b = out = 0
            if f == "read":
                kind = GET
                out = 0 if r is None else vid(op.output)
            elif f == "write":
                kind, a = PUT, vid(_field(op, "value"))
            else:
                kind, a, b = CAS, vid(_field(op, "from")), vid(_field(op, "to"))
                out = 1 if (r is not None and op.output) else 0
            if raw:
                add(op.call, 0 if r is None else r, kind, PENDING if r is None else 0, a, b, 0, out)  # type: ignore[arg-type]
            else:
                add(t(op.call), 0 if r is None else t(r), kind, PENDING if r is None else 0, a, b, 0, out)


class CasRegister(Register):
    """A register with compare-and-set, starting as None (Jepsen's etcd test)."""

    name, builtin = "cas-register", "cas-register"
    FUNCS = ("read", "write", "cas")

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        if input["f"] == "cas":
            match = state == input["from"]
            if output is not UNKNOWN and bool(output) != match:
                return False, state
            return True, (input["to"] if match else state)
        return super().step(state, input, output)


class LossyRegister(Register):
    """A read/write register whose writes may be lost: nondeterministic — each write either takes
    effect or leaves the value as it was, and the history is linearizable when some choice of
    lost writes explains every read. It checks a store that acknowledges writes it may drop (an
    evicting cache, a replica that accepts writes before they are durable): it still rejects a
    read of a value never written, and a read that brings back an older value after a newer
    one was read (once a value is seen, the writes before it are settled). Runs in the C
    engine (lc.h lossy-register); the search follows the set of possible values.

    >>> from pybskip.checkers import Operation, check
    >>> w = Operation(0, {"f": "write", "value": 1}, None, 0, 1)
    >>> r = Operation(1, {"f": "read"}, None, 2, 3)          # reads the initial None: write 1 lost
    >>> check([w, r], "lossy-register").verdict, check([w, r], "register").verdict
    ('ok', 'illegal')
    """

    name, builtin = "lossy-register", "lossy-register"
    nondeterministic = True
    FUNCS = ("read", "write")

    def steps(self, state: Any, input: Mapping[str, Any], output: Any) -> List[Any]:
        f = input["f"]
        if f == "read":
            return [state] if output is UNKNOWN or output == state else []
        if f == "write":
            return [input["value"], state]
        raise ModelInputError("%s model: unknown function %r" % (self.name, f))

    def step(self, state: Any, input: Mapping[str, Any], output: Any) -> Tuple[bool, Any]:
        raise NotImplementedError("lossy-register is nondeterministic: use steps()")


class KV(Model):
    """A string key-value store (Porcupine's kv): get/put/append/delete, partitioned by key."""

    name, builtin = "kv", "kv"

    def init(self) -> KVState:
        return ()

    def key(self, state: KVState) -> KVState:
        return state

    def step(self, state: KVState, input: Mapping[str, Any], output: Any) -> Tuple[bool, KVState]:
        d = dict(state)
        k, f = input["key"], input["f"]
        cur = d.get(k, "")
        if f == "get":
            return (output is UNKNOWN or _text(output) == cur), state
        if f == "put":
            d[k] = _text(input["value"])
        elif f == "append":
            d[k] = cur + _text(input["value"])
        elif f == "delete":
            d.pop(k, None)
        else:
            raise ModelInputError("kv model: unknown function %r" % f)
        return True, tuple(sorted((kk, v) for kk, v in d.items() if v != ""))

    def partition(self, operations: Sequence[Operation]) -> List[List[Operation]]:
        groups: Dict[Any, List[Operation]] = defaultdict(list)
        for op in operations:
            groups[_hashable(_field(op, "key"))].append(op)
        return list(groups.values())

    def describe_state(self, state: KVState) -> str:
        return "{%s}" % ", ".join("%r: %r" % kv for kv in state)

    def read_only(self, op: Operation) -> bool:
        return op.f == "get"

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """A get of text s on key k depends on the puts of k whose value starts s (one of them,
        or a delete, is the last before it), every delete of k, and the appends of k whose value
        occurs in s (all appends after that last put are among them)."""
        if observer.pending or observer.f != "get" or writer.f == "get":
            return False
        if _hashable(writer.input.get("key")) != _hashable(observer.input.get("key")):
            return False
        seen = _text(observer.output)
        if writer.f == "put":
            return seen.startswith(_text(writer.input.get("value")))
        if writer.f == "append":
            return _text(writer.input.get("value")) in seen
        return True  # delete, or a function this model rejects when encoding

    def encode(self, ops: Sequence[Operation], enc: Encoded, t: Callable[[Any], int]) -> None:
        """Appends the lc.h encoding: keys become ids; a value is the atom of its text ("" -> 0,
        the absent value, so a missing key reads as ""). O(total text length)."""
        keys: Dict[Any, int] = {}
        texts: Dict[str, int] = {}  # str value -> its atom: reads repeat the values written

        def atom(v: Any) -> int:
            a = texts.get(v) if type(v) is str else None
            if a is None:
                text = _text(v)
                a = enc.atom(b"s" + text.encode("utf-8", "surrogatepass")) if text else 0
                if type(v) is str:
                    texts[v] = a
            return a

        add = enc.add
        raw = t is int  # int timestamps pass through: skip a call per time
        GET, PUT, APPEND, DELETE, PENDING = C.GET, C.PUT, C.APPEND, C.DELETE, C.PENDING
        for op in ops:
            inp = op.input
            f = inp.get("f")
            if type(f) is not str:
                f = op.f
            r = op.ret
            try:
                key = inp["key"]
            except KeyError:
                key = _field(op, "key")  # raises, naming the operation
            k = keys.get(key) if type(key) is str else None
            if k is None:
                k = keys.setdefault(_hashable(key), len(keys) + 1)
            b = out = 0
            if f == "get":
                kind = GET
                out = 0 if r is None else atom(op.output)
            elif f == "put" or f == "append":
                kind, b = (PUT if f == "put" else APPEND), atom(_field(op, "value"))
            elif f == "delete":
                kind = DELETE
            else:
                raise ModelInputError("kv model: unknown function %r in %r" % (f, dict(inp)))
            if raw:
                add(op.call, 0 if r is None else r, kind, PENDING if r is None else 0, k, b, 0, out)  # type: ignore[arg-type]
            else:
                add(t(op.call), 0 if r is None else t(r), kind, PENDING if r is None else 0, k, b, 0, out)


class SortedMap(Model):
    """An int64 -> int64 sorted map with atomic range scans and positional reads (what
    pybskip.SkipMap promises).

    Functions (input -> output; every output is checked, a pending operation's is not):
      get k -> value | None;  put k v -> previous | None;  delete k -> removed | None
      scan lo hi [limit] -> [[k, v], ...]: the keys in [lo, hi) ascending, the first `limit`
      scan lo hi [limit] reverse -> the same range DESCENDING, the first `limit` of that order
          (the `limit` greatest keys of [lo, hi)): {"f": "scan", "lo": lo, "hi": hi, "limit": n,
          "reverse": true}; "reverse" is a bool, absent or false meaning ascending. The range
          stays half-open as for the ascending scan (SkipMap's irange(reverse=True) and
          bskip_scan_desc's closed [lo, hi] are recorded with hi + 1).
      select i -> [k, v], the pair at position i of the ascending order (i < 0 counts from the
          end, as in Python), or None when there is no position i. SkipMap.peekitem(i) raises
          IndexError there: a recorder records that outcome as the output None.
      rank k -> the number of keys < k (SkipMap.bisect_left(k); bisect_right(k) is rank k + 1
          for k < 2**63 - 1); never None.
      index k -> the number of keys < k when k is present, None when it is absent
          (SkipMap.index(k), whose ValueError for an absent key is recorded as None).
    select, rank and index are read-only, like get and scan. Each is one linearizable read in
    SkipMap (bskip_select / bskip_rank), so each is one atomic step here.

    >>> from pybskip.checkers import Operation, check
    >>> h = [Operation(0, {"f": "put", "key": 5, "value": 50}, None, 0, 1),
    ...      Operation(1, {"f": "select", "index": -1}, [5, 50], 2, 3),
    ...      Operation(1, {"f": "rank", "key": 9}, 1, 4, 5)]
    >>> check(h, "sortedmap").verdict, check(h[1:], "sortedmap").verdict
    ('ok', 'illegal')
    """

    name, builtin = "sortedmap", "sortedmap"
    READS = ("get", "scan", "select", "rank", "index")
    FUNCS = READS + ("put", "delete")

    def init(self) -> SortedMapState:
        return ()

    def step(self, state: SortedMapState, input: Mapping[str, Any], output: Any
             ) -> Tuple[bool, SortedMapState]:
        keys = [k for k, _ in state]
        f = input["f"]
        if f not in self.FUNCS:
            raise ModelInputError("sortedmap model: unknown function %r" % f)
        if f == "scan":
            lo, hi = input["lo"], input["hi"]
            limit = input.get("limit")
            i = bisect.bisect_left(keys, lo)
            want = [tuple(p) for p in state[i:] if p[0] < hi]
            if _reverse(self, input):
                want.reverse()
            if limit is not None:
                want = want[:limit]
            ok = output is UNKNOWN or [tuple(p) for p in output] == want
            return ok, state
        if f == "select":
            i = _arg(self, input, "index")
            if i < 0:
                i += len(state)
            pair = state[i] if 0 <= i < len(state) else None
            got = output if output is None or output is UNKNOWN else _pair(self, input, output)
            return (output is UNKNOWN or got == pair), state
        k: Any = _arg(self, input, "key")  # an int64 key
        i = bisect.bisect_left(keys, k)
        has = i < len(keys) and keys[i] == k
        if f == "rank" or f == "index":
            if output is UNKNOWN:
                return True, state
            if output is not None:
                _arg(self, {"f": f, "output": output}, "output")
            return output == (i if f == "rank" or has else None), state
        cur = state[i][1] if has else None
        ok = output is UNKNOWN or output == cur
        if f == "get":
            return ok, state
        if f == "put":
            new = state[:i] + ((k, input["value"]),) + state[i + has:]
            return ok, new
        return ok, state[:i] + state[i + has:]  # delete

    def describe_state(self, state: SortedMapState) -> str:
        return "{%s}" % ", ".join("%d: %d" % kv for kv in state)

    def read_only(self, op: Operation) -> bool:
        return op.f in self.READS

    def justifies(self, writer: Operation, observer: Operation) -> bool:
        """get/put/delete of key k observing v depend on the puts of (k, v) (or, for v None, the
        deletes of k); a scan depends on every put and delete of a key in its range; rank k on
        those of the keys < k (they alone decide the count), index k on those of the keys <= k
        (k's own presence decides None); select on every put and delete (any key below or at
        position i moves what is there). Conservative where a write cannot change the
        observed value (a put over a present key), never missing one that can."""
        if observer.pending or writer.f not in ("put", "delete"):
            return False
        k = writer.input.get("key")
        f = observer.f
        if f == "select":
            return True
        if f == "scan":
            lo, hi = observer.input.get("lo"), observer.input.get("hi")
            return isinstance(k, int) and isinstance(lo, int) and isinstance(hi, int) and lo <= k < hi
        if f == "rank" or f == "index":
            at = observer.input.get("key")
            return isinstance(k, int) and isinstance(at, int) and (k < at or (f == "index" and k == at))
        if k != observer.input.get("key"):
            return False
        if writer.f == "put":
            return bool(writer.input.get("value") == observer.output)
        return observer.output is None

    def encode(self, ops: Sequence[Operation], enc: Encoded, t: Callable[[Any], int]) -> None:
        """Appends the lc.h encoding: keys and values as they are (int64), None as a flag, scan
        results as pairs in enc.aux; select i -> A = i, out (key, value) in (F_OUT, F_AUX);
        rank/index k -> A = k, out the count. O(n + total scan output). This is the hot path of
        the concurrent test suite: no per-field validation of the point operations here; a
        wrong type or an out-of-range int fails when the words are packed (check() then finds
        the culprit with validate()). The positional reads check their one argument here (a
        bool would pack as 0/1)."""
        aux = enc.aux
        add = enc.add
        raw = t is int  # int timestamps pass through: skip a call per time
        PENDING, OUT_NONE, PUT, GET, DELETE = C.PENDING, C.OUT_NONE, C.PUT, C.GET, C.DELETE
        for op in ops:
            inp = op.input
            f = inp["f"]
            r = op.ret
            # raw: encode_times found every time an int in the int64 range, so times pass as they
            # are; mypy cannot tie the Number type of op.call/op.ret to that check
            call: int = op.call if raw else t(op.call)  # type: ignore[assignment]
            if r is None:
                flags = PENDING
                ret = out = 0
            else:
                out = op.output
                ret = r if raw else t(r)  # type: ignore[assignment]
                if out is None:
                    flags, out = OUT_NONE, 0
                else:
                    flags = 0
            if f == "put":
                add(call, ret, PUT, flags, inp["key"], inp["value"], 0, out)
            elif f == "get":
                add(call, ret, GET, flags, inp["key"], 0, 0, out)
            elif f == "delete":
                add(call, ret, DELETE, flags, inp["key"], 0, 0, out)
            elif f == "select":
                key = value = 0
                if not flags:  # completed with a pair
                    key, value = _pair(self, inp, out)
                add(call, ret, C.SELECT, flags, _int64(op, "index"), 0, 0, key, value)
            elif f == "rank" or f == "index":
                if not flags:
                    _int64(op, "output", out)
                add(call, ret, C.RANK if f == "rank" else C.INDEX, flags, _int64(op, "key"), 0, 0, out)
            elif f == "scan":
                limit = inp.get("limit")
                off = len(aux)
                if flags & PENDING:
                    n = 0
                else:
                    try:
                        n = len(op.output)
                        for pair in op.output:
                            aux.extend(pair)
                    except (TypeError, OverflowError):
                        raise ModelInputError("sortedmap: scan output must be a list of (key, "
                                              "value) int64 pairs, in %r" % (op,)) from None
                    if len(aux) != off + 2 * n:
                        raise ModelInputError("sortedmap: scan output items must be (key, value) "
                                              "pairs, in %r" % (op,))
                add(call, ret, C.SCAN_DESC if _reverse(self, inp) else C.SCAN, flags & PENDING,
                    inp["lo"], inp["hi"],
                    -1 if limit is None else limit, off, n)
            else:
                raise ModelInputError("sortedmap model: unknown function %r in %r" % (f, dict(inp)))

    def validate(self, ops: Sequence[Operation]) -> None:
        """Raises ModelInputError naming the first operation that is not a well-typed sortedmap
        operation (int64 keys, values, bounds, positions and counts, limit >= 0 or None, a
        select's output a [key, value] pair or None). O(n)."""
        for op in ops:
            f = op.f
            if f == "scan":
                _int64(op, "lo"), _int64(op, "hi")
                _reverse(self, op.input)
                limit = op.input.get("limit")
                if limit is not None and _int64(op, "limit", limit) < 0:
                    raise ModelInputError("operation %r: limit must be >= 0 or None" % (dict(op.input),))
                if not op.pending:
                    for pair in op.output or ():
                        _int64(op, "output key", pair[0]), _int64(op, "output value", pair[1])
                continue
            if f == "select":
                _int64(op, "index")
                if not op.pending and op.output is not None:
                    _pair(self, op.input, op.output)
                continue
            _int64(op, "key")
            if f == "put":
                _int64(op, "value")
            if not op.pending and op.output is not None:
                _int64(op, "output", op.output)


def _arg(model: Model, input: Mapping[str, Any], name: str) -> int:
    """input[name] as an int64 (the positional reads' argument), else ModelInputError."""
    if name not in input:
        raise ModelInputError("operation %r lacks field %r" % (dict(input), name))
    v = input[name]
    if not isinstance(v, int) or isinstance(v, bool) or not -(2**63) <= v < 2**63:
        raise ModelInputError("%s model: %r needs an int64 %r, got %r"
                              % (model.name, input.get("f"), name, v))
    return v


def _reverse(model: Model, input: Mapping[str, Any]) -> bool:
    """A scan's "reverse" field (absent: False), else ModelInputError when it is not a bool."""
    r = input.get("reverse", False)
    if not isinstance(r, bool):
        raise ModelInputError("%s model: a scan's 'reverse' must be true or false, got %r (in %r)"
                              % (model.name, r, dict(input)))
    return r


def _pair(model: Model, input: Mapping[str, Any], output: Any) -> Tuple[int, int]:
    """A select's output as a (key, value) tuple of int64s, else ModelInputError."""
    if isinstance(output, (list, tuple)) and len(output) == 2 and all(
            isinstance(x, int) and not isinstance(x, bool) and -(2**63) <= x < 2**63 for x in output):
        return output[0], output[1]
    raise ModelInputError("%s model: select output must be a [key, value] pair of int64s or None, "
                          "got %r (in %r)" % (model.name, output, dict(input)))


def _text(v: Any) -> str:
    return "" if v is None else v if isinstance(v, str) else str(v)


def _hashable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


BUILTIN: Dict[str, Model] = {m.name: m for m in (Register(), CasRegister(), LossyRegister(), KV(),
                                                 SortedMap())}
"""The models that run inside the C engine, by name."""

# The pure-Python models import Model from here, so they join the registry after it exists.
from .models_jepsen import Independent, MultiRegister, Mutex  # noqa: E402

MODELS: Dict[str, Callable[..., Model]] = {
    "register": Register, "cas-register": CasRegister, "lossy-register": LossyRegister, "kv": KV,
    "sortedmap": SortedMap,
    "mutex": Mutex, "multi-register": MultiRegister}
"""Every model by name: the one registry the CLI, the docs and the readers take names from.
`independent:<name>` wraps any of them (Jepsen's independent keys)."""
MODEL_NAMES: Tuple[str, ...] = tuple(MODELS) + tuple("independent:" + n for n in MODELS)


def get_model(model: Union[Model, str], init: Any = None) -> Model:
    """A Model from a Model (returned as is) or a registry name; `init` is the initial value of
    register-like models (None: each model's default, e.g. nil for cas-register as in Knossos).

    >>> get_model("independent:cas-register").name
    'independent:cas-register'
    """
    if isinstance(model, Model):
        return model
    if isinstance(model, str) and model.startswith("independent:"):
        return Independent(get_model(model[len("independent:"):], init))
    factory = MODELS.get(model) if isinstance(model, str) else None
    if factory is None:
        raise ValueError("unknown model %r (one of %s)" % (model, ", ".join(MODEL_NAMES)))
    if init is None and model in BUILTIN:
        return BUILTIN[model]
    try:
        return factory(init=init) if init is not None else factory()
    except TypeError:
        raise ValueError("model %r takes no initial value" % model) from None
