"""skipmap_scan_huge_limit.py — reproducer: SkipMap.scan(limit=N) allocates two N-element buffers
up front, whatever the map's size, so a large but valid limit raises MemoryError (not one of the
documented exceptions) instead of returning the map's few items.

Found by fuzz/py/fuzz_skipmap.py (input: skipmap_scan_huge_limit.bin, replay with
`python fuzz/py/fuzz_skipmap.py --replay fuzz/py/repro/skipmap_scan_huge_limit.bin`).
Expected: [(1, 2)]. Observed (pybskip at the time of writing): MemoryError from ffi.new in
SkipMap._snapshot. Exit status 1 while the bug is present, 0 once fixed (fixed in 10c1c48).
"""
import sys

from pybskip import SkipMap

try:
    got = SkipMap({1: 2}).scan(limit=2 ** 40)
except MemoryError as exc:
    print("BUG: scan(limit=2**40) on a 1-item map raised MemoryError %r" % (exc,))
    sys.exit(1)
print("ok:", got)
sys.exit(0 if got == [(1, 2)] else 1)
