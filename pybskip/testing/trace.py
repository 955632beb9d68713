"""trace.py — records a lock trace of the real C code running a concurrent program.

The instrumented build of core_c logs every lock acquire/release (thread, node id, level, the
node's position key, mode) and every operation's begin/end into per-thread buffers; this module
runs a random program on real pthreads with tracing on and writes the trace as JSON Lines (format
in core_c/include/bskip_testing.h), for `pybskip.spec` to check against the protocol model.
Invariant: tracing is switched on only for the duration of one run_program call.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Optional, Union

from .executor import Engine, run_program
from .program import build_program


def record_trace(path: Union[str, Path], *, threads: int = 4, max_ops: int = 60, keys: int = 48,
                 seed: int = 1, noise: int = 3, engine: Optional[Engine] = None) -> int:
    """Runs one random program of `threads` threads and writes its lock trace to `path`.

    Returns the number of events written. Raises RuntimeError if the engine has no tracing.
    O(total ops x levels).
    """
    engine = engine or Engine.load()
    lib, ffi = engine.lib, engine.ffi
    if not engine.features & lib.BSKIP_FEATURE_TRACE:
        raise RuntimeError("engine %s was built without lock tracing" % engine.name)
    rnd = random.Random(seed)

    def draw(lo: int, hi: int) -> int:
        return rnd.randint(lo, hi)

    program = build_program(lambda lo, hi: hi if (lo, hi) == (2, threads) else draw(lo, hi),
                            max_threads=threads, max_ops=max_ops, key_range=keys)
    lib.bskip_trace_start()
    try:
        run_program(program, engine, noise=noise, seed=seed)
    finally:
        count = int(lib.bskip_trace_stop(str(path).encode()))
    if count < 0:
        raise RuntimeError("writing the trace to %s failed: %s"
                           % (path, ffi.string(lib.bskip_strerror(count)).decode()))
    return count
