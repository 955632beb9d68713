"""test_skipmap_threads.py — SkipMap shared by Python threads doing single and batch calls.

What is generated: 6 Python threads; each owns the keys congruent to its index modulo 6 and
mixes m[k] = v, del, pop, get, put_many, get_many, delete_many and scan on them, while the keys
of all threads interleave in the same nodes; a 7th thread iterates and scans the whole map all
the time. Each owner keeps an exact reference of its keys (nobody else writes them).
What is checked: every read of an owner's own key agrees with its reference; every scan and
iteration is strictly ascending and inside its bounds; at the end the map equals the union of
the references (nothing lost, nothing invented), len matches and validate passes.
Why a bug cannot hide: with the GIL released in C, the threads' C calls really overlap (checked
separately by the benchmark `python -m pybskip.bench --gil`), so a race in the binding or the
core shows up as a wrong read, an out-of-order scan, or a final mismatch.
"""
import random
import threading

from pybskip import SkipMap

THREADS = 6
KEYS = 3000


def test_threads_single_and_batch_calls():
    m = SkipMap(node_bytes=256)
    refs = [dict() for _ in range(THREADS)]
    errors = []
    stop = threading.Event()

    def owner(i):
        rnd = random.Random(i)
        ref = refs[i]
        mine = list(range(i, KEYS, THREADS))
        try:
            for _ in range(1500):
                k = rnd.choice(mine)
                op = rnd.randrange(8)
                if op == 0:
                    v = rnd.getrandbits(63)
                    m[k] = v
                    ref[k] = v
                elif op == 1:
                    assert m.pop(k, None) == ref.pop(k, None)
                elif op == 2:
                    assert m.get(k) == ref.get(k)
                elif op == 3:
                    ks = rnd.sample(mine, 20)
                    vs = [rnd.getrandbits(40) for _ in ks]
                    m.put_many(ks, vs)
                    ref.update(zip(ks, vs))
                elif op == 4:
                    ks = rnd.sample(mine, 20)
                    assert m.get_many(ks, None) == [ref.get(x) for x in ks]
                elif op == 5:
                    ks = rnd.sample(mine, 10)
                    want = sum(1 for x in set(ks) if x in ref)
                    for x in ks:
                        ref.pop(x, None)
                    assert m.delete_many(ks) == want
                elif op == 6:
                    lo = rnd.randrange(KEYS)
                    items = m.scan(lo, lo + 300)
                    own = [(x, v) for x, v in items if x % THREADS == i]
                    assert own == sorted((x, ref[x]) for x in ref if lo <= x < lo + 300)
                else:
                    if k in ref:
                        del m[k]
                        del ref[k]
        except Exception as exc:  # reported in the main thread
            errors.append((i, repr(exc)))

    def reader():
        try:
            while not stop.is_set():
                ks = list(m)
                assert ks == sorted(set(ks))
                lo = random.randrange(KEYS)
                part = list(m.irange(lo, lo + 500))
                assert part == sorted(set(part)) and all(lo <= x <= lo + 500 for x in part)
        except Exception as exc:
            errors.append(("reader", repr(exc)))

    threads = [threading.Thread(target=owner, args=(i,)) for i in range(THREADS)]
    rd = threading.Thread(target=reader)
    rd.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    rd.join()
    assert not errors, errors
    union = {}
    for ref in refs:
        union.update(ref)
    assert dict(m.items()) == union
    assert len(m) == len(union)
    m.validate()


def test_concurrent_popitem_hands_each_item_to_one_thread():
    m = SkipMap((k, k * 2) for k in range(4000))
    got = [[] for _ in range(4)]

    def popper(i):
        while True:
            try:
                got[i].append(m.popitem(i % 2 - 1))
            except KeyError:
                return

    ts = [threading.Thread(target=popper, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    items = sorted(x for g in got for x in g)
    assert items == [(k, k * 2) for k in range(4000)]
    assert len(m) == 0
    m.validate()
