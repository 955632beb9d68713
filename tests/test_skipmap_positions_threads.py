"""test_skipmap_positions_threads.py — positional reads and descending scans under real concurrent writers.

Setup: a map of 256-byte nodes holding stable keys (multiples of 10) that nobody touches, and
writer threads (real threads; the GIL is released in every C call) that insert and delete the
other keys of the same range over and over, so the nodes the readers walk split and merge under
them. Reader threads meanwhile call bskip_select, bskip_rank and bskip_scan_desc (through
peekitem, index/bisect and reversed iteration / irange(reverse=True)).
What is checked, from each single linearizable read: a stable key's rank lies between the number
of stable keys below it and that plus the writer keys below it; select(j) returns a key <= the
j-th stable key; a descending scan chunk is strictly descending and contains every
stable key of its range (a snapshot never misses a key present throughout); every chunk of
reversed iteration likewise. At the end the map validates and holds exactly the stable keys plus
what the writers left.
"""
import threading

from pybskip import SkipMap

STABLE = list(range(0, 4000, 10))
MOVING = [k for k in range(4000) if k % 10]


def test_positions_and_descending_scans_under_writers():
    m = SkipMap({k: k for k in STABLE}, node_bytes=256, seed=5)
    stop = threading.Event()
    errors = []

    def writer(part):
        keys = MOVING[part::2]
        while not stop.is_set():
            m.put_many(keys, keys)
            m.delete_many(keys[::2])
            m.delete_many(keys[1::2])

    def reader(seed):
        import random

        rnd = random.Random(seed)
        try:
            for _ in range(300):
                j = rnd.randrange(len(STABLE))
                k = STABLE[j]
                rank = m.index(k)  # one bskip_rank: k is present throughout
                assert j <= rank <= j + 9 * j, (k, rank)
                assert m.bisect_left(k) >= j and m.bisect_right(k) >= j + 1
                key, _ = m.peekitem(j)  # one bskip_select: j+1 stable keys are <= k throughout
                assert key <= k, (j, key, k)
                lo, hi = sorted((rnd.randrange(4000), rnd.randrange(4000)))
                got = list(m.irange(lo, hi, reverse=True))
                assert got == sorted(set(got), reverse=True), "not strictly descending"
                want = {s for s in STABLE if lo <= s <= hi}
                assert want <= set(got), "a stable key missing from a descending scan"
            everything = list(reversed(m))
            assert everything == sorted(set(everything), reverse=True)
            assert set(STABLE) <= set(everything)
        except BaseException as exc:  # any failure of a reader is reported by the main thread
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(p,)) for p in range(2)]
    readers = [threading.Thread(target=reader, args=(s,)) for s in range(2)]
    for t in writers + readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in writers:
        t.join()
    assert not errors, errors[0]
    m.validate()
    assert set(STABLE) <= set(m) and all(k in STABLE or k in MOVING for k in m)
    assert m.index(STABLE[-1]) == m.bisect_left(STABLE[-1]) == len(m) - 1 - sum(1 for k in m if k > STABLE[-1])
