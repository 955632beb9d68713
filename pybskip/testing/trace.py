"""trace.py — records a lock trace of the real C code running a concurrent program.

The instrumented build of core_c logs every lock acquire/release (thread, node id, level, the
node's position key, mode) and every operation's begin/end into per-thread buffers; this module
runs a random program on real pthreads with tracing on and writes the trace as JSON Lines (format
in core_c/include/bskip_testing.h), for `pybskip.spec` to check against the protocol model.
record_batch_trace does the same for the batch calls (put_many, get_many, delete_many) from real
threads on one map created after tracing starts (so every node's link event is in the trace);
record_map_trace runs any calls on such a map (scenes built call by call).
A watchdog (record_trace(watchdog=s)) ends the wait for a run that hangs and keeps its partial
trace (TraceHung), for the replay to show who waits for whom.
Invariant: tracing is switched on only for the duration of one run (run_program call, or batch
threads), or, after a TraceHung, until the next start.
"""
from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, Union

from .executor import Engine, run_program
from .program import Program, build_program


class TraceHung(RuntimeError):
    """A traced run did not finish within its watchdog time: the events recorded until then are
    in `path` (`events` of them). The run's threads are still stuck in the core (a deadlock or a
    livelock): the process cannot free them and should exit."""

    def __init__(self, path: Union[str, Path], events: int, seconds: float,
                 worker: threading.Thread) -> None:
        super().__init__("the traced run did not finish within %g s (hung: deadlock or "
                         "livelock); the %d events recorded until then are in %s"
                         % (seconds, events, path))
        self.path, self.events, self.seconds = Path(path), events, seconds
        self.worker = worker  # the run's thread: join it if the run was only slow


def _traced(path: Union[str, Path], engine: Optional[Engine],
            run: Callable[[Engine], None], watchdog: Optional[float] = None) -> int:
    """Runs run(engine) with lock tracing on and writes the trace to `path`; returns the number
    of events. With `watchdog` seconds, a run still going after that long is left running and
    the events recorded so far are written (bskip_trace_dump): TraceHung. Raises RuntimeError if
    the engine has no tracing or the trace cannot be written. The one place tracing is switched
    on and off."""
    engine = engine or Engine.load()
    lib, ffi = engine.lib, engine.ffi
    if not engine.features & lib.BSKIP_FEATURE_TRACE:
        raise RuntimeError("engine %s was built without lock tracing" % engine.name)
    lib.bskip_trace_start()
    if watchdog is not None:
        failed: List[BaseException] = []

        def body() -> None:
            try:
                run(engine)
            except BaseException as exc:  # re-raised in the caller's thread below
                failed.append(exc)
        worker = threading.Thread(target=body, daemon=True, name="traced-run")
        worker.start()
        worker.join(watchdog)
        if worker.is_alive():
            raise TraceHung(path, int(lib.bskip_trace_dump(str(path).encode())), watchdog, worker)
        if failed:
            lib.bskip_trace_stop(str(path).encode())
            raise failed[0]
        count = int(lib.bskip_trace_stop(str(path).encode()))
    else:
        try:
            run(engine)
        finally:
            count = int(lib.bskip_trace_stop(str(path).encode()))
    if count < 0:
        raise RuntimeError("writing the trace to %s failed: %s"
                           % (path, ffi.string(lib.bskip_strerror(count)).decode()))
    return count


def record_trace(path: Union[str, Path], *, threads: int = 4, max_ops: int = 60, keys: int = 48,
                 seed: int = 1, noise: int = 3, engine: Optional[Engine] = None,
                 node_bytes: int = 256, promote_prob: float = 0.0,
                 watchdog: Optional[float] = None, program: Optional[Program] = None) -> int:
    """Runs one random program of `threads` threads and writes its lock trace to `path`
    (promote_prob 0.5 with 256-byte nodes gives maps of 4-6 levels from a few dozen keys).
    Its ops are program.build_program's mix, the newer reads included (select and rank are
    traced as "scan" operations from the level-0 head; a scan_desc as one or more pairs of a
    "get" hint descent and a "scan"). `program`, when given, is run instead of a random one
    (threads, max_ops and keys are then unused).

    Returns the number of events written. Raises RuntimeError if the engine has no tracing, and
    TraceHung (the partial trace written) if the run outlives `watchdog` seconds.
    O(total ops x levels).
    """
    rnd = random.Random(seed)

    def draw(lo: int, hi: int) -> int:
        return rnd.randint(lo, hi)

    prog = program or build_program(lambda lo, hi: hi if (lo, hi) == (2, threads) else draw(lo, hi),
                                    max_threads=threads, max_ops=max_ops, key_range=keys)

    def run(e: Engine) -> None:
        run_program(prog, e, noise=noise, seed=seed, node_bytes=node_bytes,
                    promote_prob=promote_prob)
    return _traced(path, engine, run, watchdog)


def record_map_trace(path: Union[str, Path], calls: Callable[[Engine, Any], None], *,
                     node_bytes: int = 256, seed: int = 1, promote_prob: float = 0.0,
                     engine: Optional[Engine] = None) -> int:
    """Runs calls(engine, m) on one map m created after tracing starts (so every node's link
    event is in the trace) and writes the lock trace to `path`: for scenes built call by call,
    such as the fill scheme's rarer steps, which random programs seldom reach. The map's
    heights come from its own generator seeded by `seed`, so a single-threaded scene is the same
    run every time. Returns the number of events; raises RuntimeError if the engine has no
    tracing. O(the calls' cost).

    >>> import tempfile, os
    >>> def scene(e, m):
    ...     old = e.ffi.new("int64_t *")
    ...     for k in range(3):
    ...         assert e.lib.bskip_put(m, k, k, old) >= 0
    >>> with tempfile.TemporaryDirectory() as d:
    ...     record_map_trace(os.path.join(d, "t.jsonl"), scene) > 6  # begin, locks, end per put
    True
    """
    def run(e: Engine) -> None:
        m = e.new_map(node_bytes, seed, promote_prob)
        calls(e, m)
    return _traced(path, engine, run)


def record_batch_trace(path: Union[str, Path], *, threads: int = 4, rounds: int = 25,
                       keys: int = 3000, seed: int = 1, engine: Optional[Engine] = None,
                       sizes: Tuple[int, ...] = (5, 70, 200), point_calls: bool = False) -> int:
    """Runs `threads` real threads, each calling put_many (sorted runs of `sizes` keys: both
    the per-key path and the sorted-run path), get_many and delete_many `rounds` times on one
    map with 256-byte nodes, and writes the lock trace to `path`; with `point_calls` each round
    also calls put_if_absent, floor and ceiling on a random key. Returns the number of events.
    Raises RuntimeError if the engine has no tracing or a call fails. O(rounds x batch x levels).
    """
    errors: List[str] = []

    def run(engine: Engine, m: Any) -> None:
        lib, ffi = engine.lib, engine.ffi

        def worker(wseed: int) -> None:
            rnd = random.Random(wseed)
            for _ in range(rounds):
                n = rnd.choice(sizes)
                ks = sorted(rnd.sample(range(keys), n))
                arr: Any = ffi.new("int64_t[]", ks)
                out: Any = ffi.new("int64_t[]", n)
                rc = lib.bskip_put_many(m, arr, arr, n, ffi.NULL)
                rc2 = lib.bskip_get_many(m, arr, out, ffi.NULL, n)
                rc3 = lib.bskip_delete_many(m, arr, n // 2) if rnd.random() < 0.4 else 0
                if min(rc, rc2, rc3) < 0:
                    errors.append("batch call failed: %d %d %d" % (rc, rc2, rc3))
                    return
                if point_calls:
                    k = rnd.randrange(keys)
                    one: Any = ffi.new("int64_t[2]")
                    rcs = (lib.bskip_put_if_absent(m, k, k, one),
                           lib.bskip_floor(m, k, one, one + 1),
                           lib.bskip_ceiling(m, k, one, one + 1))
                    if min(rcs) < 0:
                        errors.append("point call failed: %s" % (rcs,))
                        return
        ts = [threading.Thread(target=worker, args=(seed * 1000 + i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    count = record_map_trace(path, run, seed=seed, engine=engine)
    if errors:
        raise RuntimeError(errors[0])
    return count
