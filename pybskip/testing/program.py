"""program.py — concurrent programs for the history tests: what each thread does, and how to draw one.

A `Program` is a tuple of threads, each a tuple of `Op`s, plus `setup`: puts run by one extra
client before the threads start (so the map has structure — full nodes, several levels — for the
concurrent ops to split, merge and unlink). Keys are drawn from a narrow range so that threads
collide on the same keys and the same nodes; scans have varied widths and limits. About one op
in eleven is one of the newer reads: select (a position, negative from the end), rank or index
(both bskip_rank: the count of keys below, recorded as the model's `rank`, or as its `index`,
which also records whether the key is present) and scan_desc (the greatest keys of a CLOSED range
[lo, hi], descending: bskip_scan_desc) — a modest share, so the mix that finds the known core
bugs (tests/mutants) is not diluted.

`build_program(draw_int)` is the one generator of programs. It takes any `draw_int(lo, hi)`
(inclusive bounds): `random.Random(seed).randint` for budgeted runs (`pybskip verify`,
ci/mutants.py), or Hypothesis' `draw(integers(lo, hi))` (`strategies.programs()`), which lets
Hypothesis shrink a failing program to a minimal one. Complexity: O(total ops).
Invariants: 2 <= threads <= 8; every scan and scan_desc has lo <= hi and
0 <= limit <= MAX_SCAN_LIMIT.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

GET, PUT, DELETE, SCAN = "get", "put", "delete", "scan"
SELECT, RANK, INDEX, SCAN_DESC = "select", "rank", "index", "scan_desc"
MAX_SCAN_LIMIT = 16


@dataclass(frozen=True)
class Op:
    """One operation: get/put/delete/rank/index(key[, value]), select(index=key),
    scan(lo=key, hi, limit) over [lo, hi) or scan_desc(lo=key, hi, limit) over [lo, hi]."""

    kind: str
    key: int                # select: the position (negative: from the end)
    value: int = 0          # put: the value written
    hi: int = 0             # scan: exclusive upper bound; scan_desc: INCLUSIVE upper bound
    limit: int = 0          # scan, scan_desc: at most this many keys

    def __str__(self) -> str:
        if self.kind == PUT:
            return "put(%d, %d)" % (self.key, self.value)
        if self.kind == SCAN:
            return "scan([%d, %d), limit=%d)" % (self.key, self.hi, self.limit)
        if self.kind == SCAN_DESC:
            return "scan_desc([%d, %d], limit=%d)" % (self.key, self.hi, self.limit)
        return "%s(%d)" % (self.kind, self.key)


@dataclass(frozen=True)
class Program:
    """Per-thread operation lists, run concurrently after `setup` (run first, by one client)."""

    threads: Tuple[Tuple[Op, ...], ...]
    setup: Tuple[Op, ...] = field(default=())

    @property
    def total_ops(self) -> int:
        return len(self.setup) + sum(len(t) for t in self.threads)

    def __str__(self) -> str:
        lines = ["setup: " + ", ".join(map(str, self.setup))] if self.setup else []
        for i, ops in enumerate(self.threads):
            lines.append("thread %d: %s" % (i, ", ".join(map(str, ops))))
        return "\n".join(lines)


DrawInt = Callable[[int, int], int]


def build_program(draw: DrawInt, *, max_threads: int = 8, max_ops: int = 12,
                  key_range: Optional[int] = None) -> Program:
    """Draws a program. Every choice is one draw(lo, hi) call, so a shrinker that lowers draws
    towards lo gets fewer threads, fewer ops, smaller keys and gets instead of scans (and of
    the newer reads). The same draws give the same program (deterministic per seed)."""
    nthreads = draw(2, max_threads)
    keys = key_range if key_range is not None else draw(4, 40)
    setup_count = draw(0, 2 * keys)
    setup = tuple(Op(PUT, draw(0, keys - 1), draw(0, 99)) for _ in range(setup_count))
    threads = []
    for _ in range(nthreads):
        ops = []
        for _ in range(draw(1, max_ops)):
            kind = draw(0, 10)
            key = draw(0, keys - 1)
            if kind <= 2:
                ops.append(Op(GET, key))
            elif kind <= 5:
                ops.append(Op(PUT, key, draw(0, 99)))
            elif kind <= 7:
                ops.append(Op(DELETE, key))
            elif kind <= 9:
                width = draw(0, keys)
                ops.append(Op(SCAN, key, hi=key + width, limit=draw(0, MAX_SCAN_LIMIT)))
            else:  # the newer reads, one in eleven ops
                which = draw(0, 3)
                if which == 0:  # positions past either end too (then None)
                    ops.append(Op(SELECT, key if draw(0, 1) == 0 else -1 - key))
                elif which <= 2:
                    ops.append(Op(RANK if which == 1 else INDEX, key))
                else:
                    width = draw(0, keys)
                    ops.append(Op(SCAN_DESC, key, hi=key + width, limit=draw(0, MAX_SCAN_LIMIT)))
        threads.append(tuple(ops))
    return Program(tuple(threads), setup)
