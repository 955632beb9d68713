"""scenes.py — one-thread scenes, built call by call, for the protocol steps random programs seldom
reach: each is a lock trace of the real C code that the replay (pybskip.spec.replay) must accept
and that takes the model transitions named beside it.

Random programs of a few dozen keys rarely fill a node above level 0 or fill the level-0 head
just before a tall key comes, so the fill scheme's shift and settle steps, a head's spill and a
few delete and promotion paths would otherwise be tied to the code by reading alone. A scene runs
on one thread against a map created after tracing starts (testing.trace.record_map_trace), and
the map's heights come from its own generator seeded by the seed, so a scene with a seed is the
same run every time. `seeds` lists the seed measured to take every transition of `takes` first;
the others are for a change of the core's generator or fill scheme that moves them (the tests try
them in turn; `pybskip verify` records the first).

Invariant: a scene's calls only succeed or raise (an error code from the core is an
AssertionError naming the call); they never leave the map half built for the trace.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Optional, Tuple, Union

from .executor import Engine
from .trace import record_map_trace

Calls = Callable[[Engine, Any], None]


def _put(e: Engine, m: Any, key: int, value: int) -> None:
    old = e.ffi.new("int64_t *")
    rc = e.lib.bskip_put(m, key, value, old)
    assert rc >= 0, "bskip_put(%d) returned %d" % (key, rc)


def _fill(seed: int) -> Calls:
    """put_many of 299 ascending keys (nodes filled completely, parentless), then 52 puts of
    keys between them in an order drawn from `seed`."""
    def calls(e: Engine, m: Any) -> None:
        ks = list(range(10, 3000, 10))
        arr = e.ffi.new("int64_t[]", ks)
        rc = e.lib.bskip_put_many(m, arr, arr, len(ks), e.ffi.NULL)
        assert rc == len(ks), "bskip_put_many returned %d" % rc
        for k in random.Random(seed).sample(ks, len(ks))[:52]:
            _put(e, m, k + 5, k)
    return calls


def _spill(seed: int) -> Calls:
    """Descending puts: the level-0 head fills, then a tall key lower than all of it splits it."""
    def calls(e: Engine, m: Any) -> None:
        for k in range(400, 0, -10):
            _put(e, m, k, k)
    return calls


def _promote(seed: int) -> Calls:
    """Three rounds of puts of the same 39 keys: from the second on they are present, and some
    draw a greater height than the key had."""
    def calls(e: Engine, m: Any) -> None:
        for r in range(3):
            for k in range(1, 40):
                _put(e, m, k, k + r)
    return calls


def _delete(seed: int) -> Calls:
    """Full nodes, puts into them, overwrites, then deletes of node heads and of inner keys and
    puts again, in orders drawn from `seed`."""
    def calls(e: Engine, m: Any) -> None:
        rnd = random.Random(seed)
        for ks in (range(0, 60, 2), range(1, 60, 4), range(0, 60, 3)):
            for k in ks:
                _put(e, m, k, k)
        old = e.ffi.new("int64_t *")
        for k in rnd.sample(range(60), 30):
            rc = e.lib.bskip_delete(m, k, old)
            assert rc >= 0, "bskip_delete(%d) returned %d" % (k, rc)
        for k in rnd.sample(range(60), 20):
            _put(e, m, k, k)
    return calls


@dataclass(frozen=True)
class Scene:
    """One scene: its calls for a seed, the map's promotion probability (0: the core's default),
    the seeds to try (the measured one first) and the transitions its replay must take."""
    name: str
    calls: Callable[[int], Calls]
    promote_prob: float
    seeds: Tuple[int, ...]
    takes: FrozenSet[str]


SCENES: Dict[str, Scene] = {s.name: s for s in (
    Scene("fill", _fill, 0.08, (3, 1, 2, 4),
          frozenset({"settle_pass", "shift_lock", "shift", "ovf_descend", "split_descend"})),
    Scene("spill", _spill, 0.15, (3, 6, 14, 29), frozenset({"spill_yes"})),
    Scene("promote", _promote, 0.1, (1, 2, 3, 5),
          frozenset({"lower_found_here", "lower_found_new", "f1", "f2"})),
    Scene("delete", _delete, 0.0, (1, 2, 3),
          frozenset({"del_n_keep", "del_remove_inside", "del_found_r", "restart",
                     "del_n_unlink"})),
)}

# Transitions no trace can show: put_found at level 0 has exactly put_place_leaf's events, and
# shift_back (W on x, W on its successor, the successor released) a settle step's that moved
# nothing. (Likewise at level 0 a settle_left is a shift_back's events and a settle_pass a swap's:
# only above level 0, where releases carry `kids`, do the settle steps show.)
INDISTINGUISHABLE: FrozenSet[str] = frozenset({"put_found", "shift_back"})


def record_scene(scene: Scene, path: Union[str, Path], seed: Optional[int] = None,
                 engine: Optional[Engine] = None) -> int:
    """Records `scene` with `seed` (default: its first) to `path`; returns the number of events.
    O(the scene's calls), under a second for each.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     record_scene(SCENES["spill"], os.path.join(d, "spill.jsonl")) > 100
    True
    """
    s = scene.seeds[0] if seed is None else seed
    return record_map_trace(path, scene.calls(s), seed=s, promote_prob=scene.promote_prob,
                            engine=engine)
