"""executor.py — runs a Program on real pthreads in C and returns its timed history.

The work is done by core_c's `bskip_exec_run` (through cffi, with the GIL released): one pthread
per program thread, all released together, each op timed with CLOCK_MONOTONIC immediately before
the call and after it returns, so every recorded [call_ns, return_ns] contains the op's real
linearization point. Setup puts run first, through the same executor, as one extra client.

An `Engine` is a compiled core (cffi `ffi` + `lib`): the release build, the instrumented build
(schedule noise, lock tracing), or a mutant built by ci/mutants.py. Invariant: every run uses a
fresh map, freed before run_program returns.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from .program import DELETE, GET, INDEX, PUT, RANK, SCAN, SCAN_DESC, SELECT, Op, Program

# Op kinds -> bskip_exec.h's BSKIP_OP_*: rank and index are both bskip_rank (they differ only in
# what the history records of its result)
_KIND = {GET: 0, PUT: 1, DELETE: 2, SCAN: 3, SELECT: 4, RANK: 5, INDEX: 5, SCAN_DESC: 6}
_SCANS = (SCAN, SCAN_DESC)


@dataclass(frozen=True)
class Event:
    """One completed operation of a history.

    output: get -> value or None; put -> previous value or None; delete -> removed value or None;
    scan -> tuple of (key, value) pairs ascending; scan_desc -> the same, descending; select ->
    (key, value) or None (no such position); rank -> the number of keys < key; index -> that
    number, or None when the key is absent.
    """

    client: int
    op: Op
    output: Any
    call_ns: int
    return_ns: int


class Engine:
    """A compiled core_c reachable through cffi (`ffi`, `lib`)."""

    def __init__(self, ffi: Any, lib: Any, name: str) -> None:
        self.ffi, self.lib, self.name = ffi, lib, name
        self.features = lib.bskip_testing_features()

    @classmethod
    def load(cls, module: str = "pybskip._bskip_instrumented_cffi") -> "Engine":
        """The engine of an importable cffi module (default: the instrumented build)."""
        mod = importlib.import_module(module)
        return cls(mod.ffi, mod.lib, module)

    @classmethod
    def load_file(cls, path: str, module: str) -> "Engine":
        """The engine of a compiled cffi extension file (a mutant core built by ci/mutants.py or
        a test): `module` is the name it was compiled under."""
        import importlib.util

        spec = importlib.util.spec_from_file_location(module, path)
        if spec is None or spec.loader is None:
            raise ImportError("not a loadable extension module: %s" % path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return cls(mod.ffi, mod.lib, module)

    @property
    def has_noise(self) -> bool:
        return bool(self.features & self.lib.BSKIP_FEATURE_NOISE)

    def set_noise(self, level: int) -> None:
        if self.has_noise:
            self.lib.bskip_noise_set(level)

    def new_map(self, node_bytes: int = 256, seed: int = 1, promote_prob: float = 0.0) -> Any:
        """A fresh map (promote_prob 0: the core's default, 1/(2 x capacity))."""
        opts = self.ffi.new("bskip_options *")
        opts.node_bytes = node_bytes
        opts.seed = seed
        opts.promote_prob = promote_prob
        out = self.ffi.new("bskip **")
        rc = self.lib.bskip_new(out, opts)
        if rc != 0:
            raise RuntimeError("bskip_new failed: %d" % rc)
        return self.ffi.gc(out[0], self.lib.bskip_free)


def _run_lists(engine: Engine, m: Any, lists: Sequence[Sequence[Op]]) -> List[List[Tuple[Op, Any, int, int]]]:
    ffi, lib = engine.ffi, engine.lib
    total = sum(len(ops) for ops in lists)
    cops = ffi.new("bskip_exec_op[]", max(total, 1))
    offsets = ffi.new("size_t[]", len(lists) + 1)
    scan_room = 0
    i = 0
    for t, ops in enumerate(lists):
        offsets[t] = i
        for op in ops:
            c = cops[i]
            c.kind = _KIND[op.kind]
            c.key = op.key
            if op.kind == PUT:
                c.arg = op.value
            elif op.kind in _SCANS:  # scan: hi exclusive; scan_desc: hi inclusive (as in C)
                c.arg, c.limit, c.scan_offset = op.hi, op.limit, scan_room
                scan_room += op.limit
            i += 1
    offsets[len(lists)] = i
    keys = ffi.new("int64_t[]", max(scan_room, 1))
    vals = ffi.new("int64_t[]", max(scan_room, 1))
    rc = lib.bskip_exec_run(m, cops, offsets, len(lists), keys, vals, scan_room)
    if rc != 0:
        raise RuntimeError("bskip_exec_run failed: %s" % ffi.string(lib.bskip_strerror(rc)).decode())
    out = []
    i = 0
    for ops in lists:
        rows = []
        for op in ops:
            c = cops[i]
            rows.append((op, _output(op, c, keys, vals, ffi), c.call_ns, c.return_ns))
            i += 1
        out.append(rows)
    return out


def _output(op: Op, c: Any, keys: Any, vals: Any, ffi: Any) -> Any:
    if op.kind in _SCANS:
        if c.status < 0:
            raise RuntimeError("%s failed with status %d" % (op, c.status))
        n, at = c.status, c.scan_offset
        return tuple(zip(ffi.unpack(keys + at, n), ffi.unpack(vals + at, n)))
    if c.status < 0:
        raise RuntimeError("%s failed with status %d" % (op, c.status))
    if op.kind == SELECT:  # BSKIP_OK: the pair at that position; BSKIP_NOT_FOUND: none
        return (c.out_key, c.value) if c.status == 0 else None
    if op.kind == RANK:
        return c.value
    if op.kind == INDEX:  # BSKIP_OK: the key is present
        return c.value if c.status == 0 else None
    found = {GET: 0, PUT: 2, DELETE: 0}[op.kind]  # BSKIP_OK / BSKIP_REPLACED carry a value
    return c.value if c.status == found else None


def run_program(program: Program, engine: Optional[Engine] = None, *, noise: int = 0,
                node_bytes: int = 256, seed: int = 1, promote_prob: float = 0.0) -> List[Event]:
    """Runs `program` once on a fresh map and returns its history (setup client last).

    O(total ops) plus thread start-up; the GIL is released while the threads run.
    """
    engine = engine or Engine.load()
    m = engine.new_map(node_bytes, seed, promote_prob)
    events: List[Event] = []
    setup_client = len(program.threads)
    engine.set_noise(0)
    if program.setup:
        for op, out, call, ret in _run_lists(engine, m, [program.setup])[0]:
            events.append(Event(setup_client, op, out, call, ret))
    engine.set_noise(noise)
    try:
        results = _run_lists(engine, m, program.threads)
    finally:
        engine.set_noise(0)
    for client, rows in enumerate(results):
        events.extend(Event(client, op, out, call, ret) for op, out, call, ret in rows)
    msg = engine.ffi.new("char[]", 256)
    if engine.lib.bskip_validate(m, msg, 256) != 0:
        raise StructureError(engine.ffi.string(msg).decode("utf-8", "replace"))
    return events


class StructureError(AssertionError):
    """bskip_validate failed on the map after a run (a structural bug, caught at quiescence)."""
