"""bench.py — ``python -m pybskip.bench``: SkipMap against sortedcontainers.SortedDict and dict.

    python -m pybskip.bench [--n N] [--json]     every comparison below, then the GIL figure
    python -m pybskip.bench --gil [--n N]        only the GIL figure (1 vs 2 threads)

Figures (each a median of --repeat runs, default 3; ratio = SkipMap speed / peer speed):
  setitem    ``m[k] = v`` for n random int64 keys into an empty map, per-op in a Python loop.
  getitem    ``m[k]`` for the same keys in shuffled order (vs SortedDict, and vs dict, the limit).
  put_many   ``put_many(keys, values)`` from NumPy int64 arrays vs ``SortedDict.update(zip(...))``.
  get_many   ``get_many(keys)`` (NumPy) vs a ``[sd[k] for k in keys]`` loop.
  threads2   2 threads, each setitem then getitem on its half of the keys: SkipMap without a lock
             (each call releases the GIL) vs a SortedDict behind one shared threading.Lock.
  gil        a GIL-releasing batch workload — put_many then get_many on disjoint key sets, in
             batches of 2^16 — run by 1 thread (both sets) and by 2 threads (one set each);
             ratio = 1-thread wall time / 2-thread wall time (2.0 = perfect scaling).
Needs numpy and sortedcontainers (pip install 'pybskip[bench]'). Prints numbers; asserts nothing.
Exit codes: 0 ok, 2 a needed package is missing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Callable, Dict, List

from .skipmap import SkipMap

BATCH = 1 << 16


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _in_threads(jobs: List[Callable[[], object]]) -> float:
    """Wall time of running every job in its own thread, started together."""
    barrier = threading.Barrier(len(jobs) + 1)
    ths = [threading.Thread(target=lambda j=j: (barrier.wait(), j())) for j in jobs]
    for t in ths:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ths:
        t.join()
    return time.perf_counter() - t0


def _setitem(m, keys) -> None:
    for k in keys:
        m[k] = k


def _getitem(m, keys) -> None:
    for k in keys:
        m[k]


def _locked_setget(sd, lock, keys) -> None:
    for k in keys:
        with lock:
            sd[k] = k
    for k in keys:
        with lock:
            sd[k]


def one_run(n: int, seed: int) -> Dict[str, float]:
    """Seconds for every figure of the comparison, one run."""
    import numpy as np
    from sortedcontainers import SortedDict

    rng = np.random.default_rng(seed)
    karr = np.unique(rng.integers(-(1 << 62), 1 << 62, size=n, dtype=np.int64))
    rng.shuffle(karr)
    keys = karr.tolist()
    look = list(keys)
    rng.shuffle(look)
    t: Dict[str, float] = {}
    m, sd, d = SkipMap(), SortedDict(), {}
    t["setitem_skipmap"] = _timed(lambda: _setitem(m, keys))
    t["setitem_sorteddict"] = _timed(lambda: _setitem(sd, keys))
    t["setitem_dict"] = _timed(lambda: _setitem(d, keys))
    t["getitem_skipmap"] = _timed(lambda: _getitem(m, look))
    t["getitem_sorteddict"] = _timed(lambda: _getitem(sd, look))
    t["getitem_dict"] = _timed(lambda: _getitem(d, look))
    lookarr = np.array(look, dtype=np.int64)
    t["get_many_skipmap"] = _timed(lambda: m.get_many(lookarr))
    t["get_many_sorteddict_loop"] = _timed(lambda: [sd[k] for k in look])
    del m, sd, d
    m2, sd2 = SkipMap(), SortedDict()
    t["put_many_skipmap"] = _timed(lambda: m2.put_many(karr, karr))
    t["put_many_sorteddict_update"] = _timed(lambda: sd2.update(zip(keys, keys)))
    del m2, sd2
    halves = [keys[: len(keys) // 2], keys[len(keys) // 2:]]
    m3 = SkipMap()
    t["threads2_skipmap"] = _in_threads([lambda h=h: (_setitem(m3, h), _getitem(m3, h)) for h in halves])
    sd3, lock = SortedDict(), threading.Lock()
    t["threads2_sorteddict_lock"] = _in_threads([lambda h=h: _locked_setget(sd3, lock, h) for h in halves])
    return t


def gil_run(n: int, seed: int) -> Dict[str, float]:
    """Wall seconds of the batch workload on 1 thread and on 2 threads (disjoint key sets)."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    sets = [rng.integers(-(1 << 62), 1 << 62, size=n // 2, dtype=np.int64) for _ in range(2)]

    def work(m: SkipMap, karr) -> None:
        for i in range(0, len(karr), BATCH):
            m.put_many(karr[i:i + BATCH], karr[i:i + BATCH])
        for i in range(0, len(karr), BATCH):
            m.get_many(karr[i:i + BATCH])

    warm = SkipMap()  # first touch of the allocator's memory is not what we measure
    work(warm, sets[0])
    del warm
    m1 = SkipMap()
    t1 = _in_threads([lambda: (work(m1, sets[0]), work(m1, sets[1]))])
    del m1
    m2 = SkipMap()
    t2 = _in_threads([lambda s=s: work(m2, s) for s in sets])
    return {"gil_1t": t1, "gil_2t": t2}


def _ratios(t: Dict[str, float]) -> Dict[str, float]:
    r = {}
    pairs = {"setitem_vs_sorteddict": ("setitem_sorteddict", "setitem_skipmap"),
             "getitem_vs_sorteddict": ("getitem_sorteddict", "getitem_skipmap"),
             "getitem_vs_dict": ("getitem_dict", "getitem_skipmap"),
             "put_many_vs_update": ("put_many_sorteddict_update", "put_many_skipmap"),
             "get_many_vs_sorteddict_loop": ("get_many_sorteddict_loop", "get_many_skipmap"),
             "threads2_vs_sorteddict_lock": ("threads2_sorteddict_lock", "threads2_skipmap"),
             "gil_2t_vs_1t": ("gil_1t", "gil_2t")}
    for name, (peer, ours) in pairs.items():
        if peer in t and ours in t:
            r[name] = t[peer] / t[ours]
    return r


def run(n: int, repeat: int = 3, gil_only: bool = False, seed: int = 1) -> dict:
    """Runs the figures `repeat` times; returns medians of seconds, ops/s and ratios."""
    runs: List[Dict[str, float]] = []
    for i in range(repeat):
        t = {} if gil_only else one_run(n, seed + i)
        t.update(gil_run(n, seed + i))
        runs.append(t)
    secs = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    ratios = {k: statistics.median(_ratios(r)[k] for r in runs) for k in _ratios(runs[0])}
    return {"n": n, "repeat": repeat, "seconds": secs,
            "ops_per_s": {k: n / v for k, v in secs.items()}, "ratios": ratios,
            "ratio_runs": [_ratios(r) for r in runs]}


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pybskip.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10**6, help="keys (default 10^6)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gil", action="store_true", help="only the 1 vs 2 thread batch figure")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args(argv)
    try:
        import numpy  # noqa: F401
        import sortedcontainers  # noqa: F401
    except ImportError as exc:
        print("pybskip.bench needs numpy and sortedcontainers: %s" % exc, file=sys.stderr)
        return 2
    res = run(a.n, a.repeat, a.gil)
    if a.json:
        print(json.dumps(res))
        return 0
    print("n = %d, median of %d runs (ratio = SkipMap speed / peer speed)" % (a.n, a.repeat))
    for k, v in sorted(res["seconds"].items()):
        print("  %-30s %9.3f s  %12.0f ops/s" % (k, v, res["ops_per_s"][k]))
    for k, v in res["ratios"].items():
        print("  %-30s %7.2fx" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
