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
  per call   (the SortedDict surface, µs per call, ours beside SortedDict's, on the loaded maps):
             m[k] (with get_many's per-key time beside it: the C floor without Python's call),
             k in m, del m[k], floor_key vs SortedDict's bisect_right + iloc, peekitem(n/2),
             index(k), irange of 10 and of 1000 keys, scan of 10 keys vs list(irange), forward
             and reverse iteration of the whole map (per key), and memory per key: SkipMap's
             nodes vs tracemalloc of building the SortedDict, over key objects that exist anyway
             (bytes_per_key: its structure alone) and over keys and values made for it and then
             held by it alone (bytes_per_key_owned: what a map filled from a file costs).
Every timed loop runs with Python's cyclic garbage collector off, as timeit does: the maps' keys
are millions of objects, and a full collection lands in whichever loop crosses the threshold
(seen: irange of 10 keys reported at 197 µs per call instead of 7 µs). Reference counting still
frees everything; the collector runs between the loops.
Needs numpy and sortedcontainers (pip install 'pybskip[bench]'). Prints numbers; asserts nothing.
Exit codes: 0 ok, 2 a needed package is missing.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import sys
import threading
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, MutableMapping, Sequence, TypedDict

from .skipmap import SkipMap

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BATCH = 1 << 16


@contextlib.contextmanager
def _gc_off() -> Iterator[None]:
    """The timed section runs without the cyclic collector (module doc); it is restored after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _timed(fn: Callable[[], object]) -> float:
    with _gc_off():
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def _in_threads(jobs: List[Callable[[], object]]) -> float:
    """Wall time of running every job in its own thread, started together."""
    barrier = threading.Barrier(len(jobs) + 1)
    ths = [threading.Thread(target=lambda j=j: (barrier.wait(), j())) for j in jobs]
    with _gc_off():
        for t in ths:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in ths:
            t.join()
        return time.perf_counter() - t0


def _setitem(m: MutableMapping[int, int], keys: Sequence[int]) -> None:
    for k in keys:
        m[k] = k


def _getitem(m: Mapping[int, int], keys: Sequence[int]) -> None:
    for k in keys:
        m[k]


def _getitem_list(m: Mapping[int, int], keys: Sequence[int]) -> List[int]:
    return [m[k] for k in keys]


def _setget(m: MutableMapping[int, int], keys: Sequence[int]) -> None:
    _setitem(m, keys)
    _getitem(m, keys)


def _locked_setget(sd: MutableMapping[int, int], lock: threading.Lock, keys: Sequence[int]) -> None:
    for k in keys:
        with lock:
            sd[k] = k
    for k in keys:
        with lock:
            sd[k]


def _per_call(fn: Callable[[int], object], args: Sequence[int]) -> float:
    """Microseconds per call of fn over args."""
    with _gc_off():
        t0 = time.perf_counter()
        for a in args:
            fn(a)
        return (time.perf_counter() - t0) / len(args) * 1e6


def per_call_run(m: SkipMap, sd: Any, keys: Sequence[int]) -> Dict[str, float]:
    """µs per call of the SortedDict surface on two maps holding the same keys (see module doc);
    sd is a sortedcontainers.SortedDict."""
    import tracemalloc

    import numpy as np
    from sortedcontainers import SortedDict

    n = len(keys)
    sk = sorted(keys)
    idx = {k: i for i, k in enumerate(sk)}
    picks = [keys[i] for i in range(0, n, max(1, n // 1000))][:1000]
    starts = [sk[i] for i in range(0, max(1, n - 1000), max(1, (n - 1000) // 1000))][:1000]
    ends10 = [sk[min(n - 1, idx[a] + 9)] for a in starts]
    ends1000 = [sk[min(n - 1, idx[a] + 999)] for a in starts[:100]]
    t: Dict[str, float] = {}
    def measure(who: str, its: Any) -> None:

        def peek_mid(_i: int) -> object:
            return its.peekitem(n // 2)

        def irange10(i: int) -> object:
            return list(its.irange(starts[i], ends10[i]))

        def irange1000(i: int) -> object:
            return list(its.irange(starts[i], ends1000[i]))

        def fwd(_i: int) -> object:
            return list(its)

        def rev(_i: int) -> object:
            return list(reversed(its))

        t["getitem_" + who] = _per_call(its.__getitem__, picks)
        t["contains_" + who] = _per_call(its.__contains__, picks)
        t["peekitem_mid_" + who] = _per_call(peek_mid, range(20))
        t["index_" + who] = _per_call(its.index, picks[:50])
        t["irange10_" + who] = _per_call(irange10, range(len(starts)))
        t["irange1000_" + who] = _per_call(irange1000, range(len(ends1000)))
        t["iter_fwd_per_key_" + who] = _per_call(fwd, range(1)) / n
        t["iter_rev_per_key_" + who] = _per_call(rev, range(1)) / n
    measure("skipmap", m)
    measure("sorteddict", sd)
    t["scan10_skipmap"] = _per_call(lambda i: m.scan(starts[i], ends10[i] + 1), range(len(starts)))
    t["scan10_sorteddict"] = _per_call(lambda i: list(sd.irange(starts[i], ends10[i])), range(len(starts)))
    t["floor_skipmap"] = _per_call(m.floor_key, picks)
    t["floor_sorteddict"] = _per_call(lambda k: sd.keys()[sd.bisect_right(k) - 1], picks)
    arr = np.array(picks, dtype=np.int64)
    t["get_many_per_key_skipmap"] = _per_call(lambda _i: m.get_many(arr), range(20)) / len(picks)
    gone = picks[:200]
    t["delitem_skipmap"] = _per_call(m.__delitem__, gone)
    t["delitem_sorteddict"] = _per_call(sd.__delitem__, gone)
    tracemalloc.start()
    probe = SortedDict(zip(keys, keys))
    sd_bytes = tracemalloc.get_traced_memory()[0]
    del probe
    # The same, holding int objects of its own: keys and values made for it and then owned only
    # by it (as when a map is filled from a file or a query). SkipMap keeps no Python objects.
    before = tracemalloc.get_traced_memory()[0]
    fresh_k = np.asarray(keys, dtype=np.int64).tolist()
    fresh_v = (np.asarray(keys, dtype=np.int64) ^ 0x5A5A5A5A5A5A).tolist()
    probe = SortedDict(zip(fresh_k, fresh_v))
    del fresh_k, fresh_v
    owned_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del probe
    t["bytes_per_key_skipmap"] = t["bytes_per_key_owned_skipmap"] = m.memory_bytes() / max(1, len(m))
    t["bytes_per_key_sorteddict"] = sd_bytes / n
    t["bytes_per_key_owned_sorteddict"] = owned_bytes / n
    return t


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
    # partial, not lambda: the maps are deleted below to free them before the next figures,
    # and a partial holds its map only while it is timed
    m, sd = SkipMap(), SortedDict()
    d: Dict[int, int] = {}
    t["setitem_skipmap"] = _timed(partial(_setitem, m, keys))
    t["setitem_sorteddict"] = _timed(partial(_setitem, sd, keys))
    t["setitem_dict"] = _timed(partial(_setitem, d, keys))
    t["getitem_skipmap"] = _timed(partial(_getitem, m, look))
    t["getitem_sorteddict"] = _timed(partial(_getitem, sd, look))
    t["getitem_dict"] = _timed(partial(_getitem, d, look))
    lookarr = np.array(look, dtype=np.int64)
    t["get_many_skipmap"] = _timed(partial(m.get_many, lookarr))
    t["get_many_sorteddict_loop"] = _timed(partial(_getitem_list, sd, look))
    t.update({"us_" + k: v for k, v in per_call_run(m, sd, keys).items()})
    del m, sd, d
    m2, sd2 = SkipMap(), SortedDict()
    t["put_many_skipmap"] = _timed(partial(m2.put_many, karr, karr))
    t["put_many_sorteddict_update"] = _timed(partial(sd2.update, zip(keys, keys)))
    del m2, sd2
    halves = [keys[: len(keys) // 2], keys[len(keys) // 2:]]
    m3 = SkipMap()
    t["threads2_skipmap"] = _in_threads([partial(_setget, m3, h) for h in halves])
    sd3, lock = SortedDict(), threading.Lock()
    t["threads2_sorteddict_lock"] = _in_threads([partial(_locked_setget, sd3, lock, h) for h in halves])
    return t


def gil_run(n: int, seed: int) -> Dict[str, float]:
    """Wall seconds of the batch workload on 1 thread and on 2 threads (disjoint key sets)."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    sets = [rng.integers(-(1 << 62), 1 << 62, size=n // 2, dtype=np.int64) for _ in range(2)]

    def work(m: SkipMap, karr: npt.NDArray[np.int64]) -> None:
        for i in range(0, len(karr), BATCH):
            m.put_many(karr[i:i + BATCH], karr[i:i + BATCH])
        for i in range(0, len(karr), BATCH):
            m.get_many(karr[i:i + BATCH])

    warm = SkipMap()  # first touch of the allocator's memory is not what we measure
    work(warm, sets[0])
    del warm
    def both(m: SkipMap) -> None:
        work(m, sets[0])
        work(m, sets[1])

    m1 = SkipMap()
    t1 = _in_threads([partial(both, m1)])
    del m1
    m2 = SkipMap()
    t2 = _in_threads([partial(work, m2, s) for s in sets])
    return {"gil_1t": t1, "gil_2t": t2}


class BenchResult(TypedDict):
    """What run() returns (and --json prints)."""
    n: int
    repeat: int
    seconds: Dict[str, float]
    ops_per_s: Dict[str, float]
    ratios: Dict[str, float]
    ratio_runs: List[Dict[str, float]]
    per_call_us: Dict[str, float]  # "<figure>_skipmap" / "<figure>_sorteddict": µs per call (bytes for bytes_per_key)


def _ratios(t: Dict[str, float]) -> Dict[str, float]:
    r: Dict[str, float] = {}
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


def run(n: int, repeat: int = 3, gil_only: bool = False, seed: int = 1) -> BenchResult:
    """Runs the figures `repeat` times; returns medians of seconds, ops/s and ratios."""
    runs: List[Dict[str, float]] = []
    for i in range(repeat):
        t: Dict[str, float] = {} if gil_only else one_run(n, seed + i)
        t.update(gil_run(n, seed + i))
        runs.append(t)
    secs = {k: statistics.median(r[k] for r in runs) for k in runs[0] if not k.startswith("us_")}
    per_call = {k[3:]: statistics.median(r[k] for r in runs) for k in runs[0] if k.startswith("us_")}
    ratios = {k: statistics.median(_ratios(r)[k] for r in runs) for k in _ratios(runs[0])}
    return {"n": n, "repeat": repeat, "seconds": secs,
            "ops_per_s": {k: n / v for k, v in secs.items()}, "ratios": ratios,
            "ratio_runs": [_ratios(r) for r in runs], "per_call_us": per_call}


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
    pc = res["per_call_us"]
    if pc:
        print("per call at n = %d: SkipMap | SortedDict | SortedDict time / SkipMap time" % a.n)
        for name in sorted({k.rsplit("_", 1)[0] for k in pc}):
            ours, theirs = pc.get(name + "_skipmap"), pc.get(name + "_sorteddict")
            unit = "B" if name.startswith("bytes") else "us"
            line = "  %-22s %10.3f %s" % (name, ours or 0.0, unit)
            if theirs is not None and ours:
                line += " | %10.3f %s | %6.2fx" % (theirs, unit, theirs / ours)
            print(line)
        print("  (bytes_per_key*: a ratio > 1 means SkipMap uses less; _owned counts the int objects"
              " a SortedDict alone holds; get_many_per_key is the C floor of getitem)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
