"""planted.py — linearizable histories of a simulated atomic object, and one planted fault.

Test and benchmark helper (a plain module: tests/ is on sys.path, it is not a package).

  simulate(rng, model)      Run(history, order): a History of a simulated atomic object
                            ("cas-register" or "kv"): 3-6 clients, 10-60 operations. Each
                            client calls one operation at a time; the operation takes effect
                            atomically at a random instant inside [call, ret], so ordering the
                            effects by that instant is a linearization: the history is
                            linearizable by construction. About 1 in 10 operations is pending
                            (ret None): it took effect at some instant after its call, or never
                            (half each); its client then stops and a new client (a fresh id)
                            takes its place, as Jepsen does after :info. `order` is the
                            linearization the simulation followed (effect order; pending
                            operations that never took effect left out); replay(model, order)
                            checks the generator without the checker.
  plant(history, rng, order=None)
                            changes the output of one completed read (get for kv) to ANOTHER
                            value that the history writes (cas-register: a write's value or the `to` of a
                            cas that swapped or is pending; kv: another text the key holds at some
                            instant, i.e. another put/append result) such that the history is no
                            longer linearizable (check(..., minimize=False)); candidates are tried
                            in random order. Returns (planted history, planted operation), or None
                            when no candidate breaks linearizability.
  planted_cases(model, n, seed)  n Case(original, planted, op, order), deterministic for a seed;
                            histories without a breaking candidate are regenerated.

The planted read is then the one cause of non-linearizability: the original history is linearizable
and differs from the planted one only in that read's output. So a faithful minimal counterexample
contains it. The planted value is always justified (written by some operation of the history), so
the minimiser's "justified" rule applies to the planted history as a whole.

Operations are pybskip.checkers.Operation objects in the shapes models.py documents: cas-register
{"f": "read"} -> value, {"f": "write", "value": v} -> None, {"f": "cas", "from": a, "to": b} ->
True/False, the register starting as None; kv {"f": "get", "key": k} -> text (a missing key reads
as ""), {"f": "put"|"append", "key": k, "value": s} -> None. Times are ints. A pending operation
has ret None and output None.
"""
from __future__ import annotations

import dataclasses
import random
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from pybskip.checkers import History, Operation, check

MODELS = ("cas-register", "kv")
PENDING_RATE = 0.1


class Case(NamedTuple):
    original: History  # linearizable
    planted: History   # not linearizable: `op`'s output changed
    op: Operation      # the planted operation (an element of planted.operations)
    order: List[Operation]  # the original's linearization (simulate's effect order)


class Run(NamedTuple):
    history: History
    order: List[Operation]  # effect order: a linearization of `history`


# ---- the simulated objects (a specification independent of pybskip.checkers.models) ---------

def _cas_input(rng: random.Random, pool: int) -> Dict[str, Any]:
    r = rng.random()
    if r < 0.4:
        return {"f": "read"}
    if r < 0.75:
        return {"f": "write", "value": rng.randrange(pool)}
    frm = None if rng.random() < 0.1 else rng.randrange(pool)
    return {"f": "cas", "from": frm, "to": rng.randrange(pool)}


def _cas_apply(state: Any, inp: Dict[str, Any]) -> Tuple[Any, Any]:
    """(output, new state) of one atomic cas-register operation."""
    f = inp["f"]
    if f == "read":
        return state, state
    if f == "write":
        return None, inp["value"]
    if state == inp["from"]:
        return True, inp["to"]
    return False, state


def _kv_input(rng: random.Random, keys: List[str]) -> Dict[str, Any]:
    r, k = rng.random(), rng.choice(keys)
    if r < 0.45:
        return {"f": "get", "key": k}
    if r < 0.7:
        return {"f": "put", "key": k, "value": rng.choice("abcd") * rng.randint(1, 2)}
    return {"f": "append", "key": k, "value": rng.choice("xyz")}


def _kv_apply(state: Dict[str, str], inp: Dict[str, Any]) -> Tuple[Any, Dict[str, str]]:
    """(output, new state) of one atomic kv operation; `state` maps key -> text."""
    k, f = inp["key"], inp["f"]
    cur = state.get(k, "")
    if f == "get":
        return cur, state
    new = dict(state)
    new[k] = inp["value"] if f == "put" else cur + inp["value"]
    return None, new


# ---- simulation ---------------------------------------------------------------------------

def simulate(rng: random.Random, model: str, n_clients: Optional[int] = None,
             n_ops: Optional[int] = None, pool: Optional[int] = None) -> Run:
    """A linearizable history of a simulated atomic `model` object (see the module doc); `pool`:
    how many distinct values a cas-register history writes (default 2-6). O(n log n)."""
    if model not in MODELS:
        raise ValueError("planted: unknown model %r (have %s)" % (model, ", ".join(MODELS)))
    n_clients = n_clients if n_clients is not None else rng.randint(3, 6)
    n_ops = n_ops if n_ops is not None else rng.randint(10, 60)
    pool = pool if pool is not None else rng.randint(2, 6)
    keys = ["k%d" % i for i in range(rng.randint(1, 3))]
    # planned: (effect instant or None, client, call, ret or None, input)
    planned: List[Tuple[Optional[int], Any, int, Optional[int], Dict[str, Any]]] = []
    clock = {c: rng.randrange(20) for c in range(n_clients)}  # client -> when it is free
    next_client = n_clients
    for _ in range(n_ops):
        c = min(clock, key=lambda k: (clock[k], k))
        call = clock.pop(c) + rng.randrange(10)
        ret: Optional[int] = call + rng.randint(0, 40)
        inp = _cas_input(rng, pool) if model == "cas-register" else _kv_input(rng, keys)
        effect: Optional[int] = rng.randint(call, ret)  # type: ignore[arg-type]
        if rng.random() < PENDING_RATE:
            if rng.random() < 0.5:
                effect = None  # never took effect
            ret = None
            clock[next_client] = call + rng.randint(1, 40)  # a fresh client after a timeout
            next_client += 1
        else:
            clock[c] = ret  # type: ignore[assignment]
        planned.append((effect, c, call, ret, inp))
    state: Any = None if model == "cas-register" else {}
    ops: List[Optional[Operation]] = [None] * len(planned)
    order: List[Operation] = []
    effects = sorted((p[0], i) for i, p in enumerate(planned) if p[0] is not None)
    for _, i in effects:
        _, c, call, ret, inp = planned[i]
        if model == "cas-register":
            out, state = _cas_apply(state, inp)
        else:
            out, state = _kv_apply(state, inp)
        ops[i] = Operation(c, inp, None if ret is None else out, call, ret)
        order.append(ops[i])  # type: ignore[arg-type]
    for i, (effect, c, call, ret, inp) in enumerate(planned):
        if effect is None:
            ops[i] = Operation(c, inp, None, call, ret)
    return Run(History([o for o in ops if o is not None], "simulated %s" % model, model), order)


def replay(model: str, order: List[Operation]) -> bool:
    """Do the completed operations' outputs match a sequential run of `order`? (Independent of
    the checker's models.)"""
    state: Any = None if model == "cas-register" else {}
    for op in order:
        apply = _cas_apply if model == "cas-register" else _kv_apply
        out, state = apply(state, dict(op.input))
        if op.ret is not None and out != op.output:
            return False
    return True


# ---- planting -----------------------------------------------------------------------------

def _written_values(ops: List[Operation]) -> List[Any]:
    vals: Dict[Any, None] = {}
    for op in ops:
        if op.f == "write":
            vals.setdefault(op.input["value"], None)
        elif op.f == "cas" and (op.ret is None or op.output):
            vals.setdefault(op.input["to"], None)
    return list(vals)


def _kv_texts(ops: List[Operation]) -> Dict[str, List[str]]:
    """key -> the non-empty texts the key holds at some instant (every put/append result),
    replaying the simulation's effect order."""
    seen: Dict[str, Dict[str, None]] = {}
    state: Dict[str, str] = {}
    for op in ops:
        _, state = _kv_apply(state, dict(op.input))
        if op.f != "get":
            k = op.input["key"]
            if state.get(k, ""):
                seen.setdefault(k, {})[state[k]] = None
    return {k: list(v) for k, v in seen.items()}


def _kv_seen(ops: List[Operation]) -> Dict[str, List[str]]:
    seen: Dict[str, Dict[str, None]] = {}
    for op in ops:
        text = op.output if op.f == "get" and op.ret is not None else \
            op.input["value"] if op.f == "put" else ""
        if text:
            seen.setdefault(op.input["key"], {})[text] = None
    return {k: list(v) for k, v in seen.items()}


def plant(history: History, rng: random.Random, order: Optional[List[Operation]] = None,
          model: Optional[str] = None, timeout: float = 10.0) -> Optional[Tuple[History, Operation]]:
    """(planted history, planted operation) or None; see the module doc. The other operations
    are the same objects as in `history`. kv: `order` (simulate's) gives the texts a key holds;
    without it, the texts observed by gets and the put values are the candidates."""
    model = model or history.model
    if model not in MODELS:
        raise ValueError("planted: unknown model %r" % (model,))
    ops = list(history.operations)
    read_f = "read" if model == "cas-register" else "get"
    candidates: List[Tuple[int, Any]] = []
    if model == "cas-register":
        written = _written_values(ops)
        for i, op in enumerate(ops):
            if op.f == read_f and op.ret is not None:
                candidates += [(i, v) for v in written if v != op.output]
    else:
        texts = _kv_texts(order) if order is not None else _kv_seen(ops)
        for i, op in enumerate(ops):
            if op.f == read_f and op.ret is not None:
                candidates += [(i, v) for v in texts.get(op.input["key"], []) if v != op.output]
    rng.shuffle(candidates)
    for i, v in candidates:
        new = dataclasses.replace(ops[i], output=v)
        trial = ops[:i] + [new] + ops[i + 1:]
        h = History(trial, (history.name + " (planted)").strip(), history.model)
        if check(h, model, timeout=timeout, minimize=False).verdict == "illegal":
            return h, new
    return None


def planted_cases(model: str, n: int, seed: int = 0) -> Iterator[Case]:
    """n planted cases for `model`, deterministic for a seed."""
    rng = random.Random("%s/%d" % (model, seed))
    made = 0
    while made < n:
        h, order = simulate(rng, model)
        p = plant(h, rng, order)
        if p is None:
            continue
        made += 1
        yield Case(h, p[0], p[1], order)
