"""histgen.py — a seeded generator of key-value histories in Porcupine's kv log format.

    from pybskip.checkers.histgen import generate_kv_log
    text = generate_kv_log(ops=50_000, clients=3, keys=1, seed=1, stale_read=False)

The histories come from a *simulated atomic store*: each of `clients` clients runs operations one
after another; every operation is invoked, takes effect atomically on the store at one instant
between its invocation and its return, and returns. The simulation interleaves the clients'
phases (invoke / take effect / return) at random, and the log lists the :invoke and :ok events in
the order they happened — in Porcupine's log format the line order is the real-time order. So
every generated history is linearizable (the instants of effect are a witness), with up to
`clients` operations overlapping.

With stale_read=True one :get in the middle of the history returns a value of its key that had
already been overwritten before the :get was invoked. Every value ever written is unique (puts
write fresh strings; an append adds a fresh token), so no later write can bring it back, and the
history is not linearizable.

Operations: get 50 %, put 40 %, append 10 % (a put resets the value, so values stay short).
Keys are "0" .. str(keys-1), picked uniformly. Deterministic for a given seed (random.Random).
Cost: O(ops) time and output size.
"""
from __future__ import annotations

import random
from typing import Any, Dict, List, Optional

__all__ = ["generate_kv_log"]


def _line(proc: int, typ: str, f: str, key: str, value: Optional[str]) -> str:
    v = "nil" if value is None else '"%s"' % value
    return '{:process %d, :type :%s, :f :%s, :key "%s", :value %s}' % (proc, typ, f, key, v)


def generate_kv_log(ops: int, clients: int = 3, keys: int = 1, seed: int = 0,
                    stale_read: bool = False) -> str:
    """A history of `ops` operations (module doc), as the text of a Porcupine kv log.

    >>> text = generate_kv_log(ops=4, clients=2, seed=3)
    >>> len(text.splitlines())      # an :invoke and an :ok line per operation
    8
    >>> import os, tempfile
    >>> from pybskip.checkers import History, check
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "h.txt")
    ...     with open(path, "w") as f:
    ...         _ = f.write(text)
    ...     check(History.load(path), "kv").verdict
    'ok'
    """
    if ops < 1 or clients < 1 or keys < 1:
        raise ValueError("ops, clients and keys must be >= 1")
    rng = random.Random(seed)
    store: Dict[str, Optional[str]] = {}
    # overwritten[k]: values of key k that have been replaced (candidates for the stale read)
    overwritten: Dict[str, List[str]] = {}
    lines: List[str] = []
    # per client: None (idle) or [phase, f, key, value, result]; phase 0 invoked, 1 took effect
    running: List[Optional[List[Any]]] = [None] * clients
    started = finished = 0
    stale_at = ops // 2 if stale_read else -1
    planted = False
    serial = 0
    while finished < ops:
        c = rng.randrange(clients)
        op = running[c]
        if op is None:
            if started == ops:
                continue
            started += 1
            key = str(rng.randrange(keys))
            r = rng.random()
            f = "get" if r < 0.5 else "put" if r < 0.9 else "append"
            serial += 1
            value = None if f == "get" else ("x %d %d y" % (c, serial) if f == "put" else " %d" % serial)
            want_stale = f == "get" and started > stale_at >= 0 and not planted
            stale = rng.choice(overwritten[key]) if want_stale and overwritten.get(key) else None
            planted = planted or stale is not None
            running[c] = [0, f, key, value, stale]
            lines.append(_line(c, "invoke", f, key, value if f != "get" else None))
        elif op[0] == 0:  # take effect on the atomic store
            f, key, value = op[1], op[2], op[3]
            cur = store.get(key)
            if f == "get":
                op[4] = cur if op[4] is None else op[4]
            else:
                new = value if f == "put" else (cur or "") + value
                if cur is not None:
                    overwritten.setdefault(key, []).append(cur)
                store[key] = new
            op[0] = 1
        else:
            f, key = op[1], op[2]
            lines.append(_line(c, "ok", f, key, op[4] if f == "get" else op[3]))
            running[c] = None
            finished += 1
    if stale_read and not planted:
        raise ValueError("no :get after an overwrite to plant the stale read in (more ops needed)")
    return "\n".join(lines) + "\n"
