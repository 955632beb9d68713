"""test_skipmap_positions_history.py — positional calls of SkipMap on real threads, checked for
linearizability against the checker's `sortedmap` model.

What is generated: THREADS Python threads, released together by a barrier, each making OPS random
calls on one SkipMap of 256-byte nodes (about 10 keys each) over KEYS keys, half of them present
at the start, so the calls collide on keys and the nodes split, merge and are unlinked under the
readers. The calls: put (bskip_put, observing the previous value), delete (pop(k, None)),
peekitem(i) for positions in and out of range, negative ones included (select), bisect_left(k)
(rank), bisect_right(k) (recorded as rank k + 1: the number of keys <= k), index(k) (index), and
get. Every value put is unique, so a read names the write it saw.
How it is recorded: through pybskip.checkers.Recorder, which reads time.monotonic_ns() just before
and just after each call, so [call, ret] contains the call's real effect; the calls release the
GIL inside C, so the threads' C calls really overlap. peekitem's IndexError is recorded as the
output None and index's ValueError (absent key) as None: the model's out-of-range / absent
outputs (checkers/models.py, SortedMap). After the threads finish, one scan of the whole map is
recorded, so the final contents must be explained by the history too.
What is checked: the whole history (not partitioned: positions span keys) is linearizable under
`sortedmap`; the map validates at quiescence. Why a bug could not hide: a select or rank that is
not one atomic read (e.g. counts taken from nodes at different moments, or a count that misses a
split) returns a position no single instant explains, which the checker rejects with a minimal
counterexample, saved to the test's tmp_path; the last test shows the same pipeline rejecting a
positional read that answers from a stale state.
"""
import random
import sys
import threading
from functools import partial

import pytest

from pybskip import SkipMap
from pybskip._bskip_cffi import ffi, lib
from pybskip.checkers import NotLinearizable, Recorder

THREADS = 4
OPS = 1000
KEYS = 64


def put_prev(m, k, v):
    """m[k] = v through the same C call as SkipMap.__setitem__ (bskip_put), keeping the previous
    value it reports: SkipMap has no public put that returns it, and the model's put observes it."""
    old = ffi.new("int64_t *")
    rc = lib.bskip_put(m._m, k, v, old)
    assert rc in (lib.BSKIP_INSERTED, lib.BSKIP_REPLACED), rc
    return old[0] if rc == lib.BSKIP_REPLACED else None


def peek(m, i):
    """peekitem(i) as the model's select: the pair as a list, None when i is out of range."""
    try:
        return list(m.peekitem(i))
    except IndexError:
        return None


def index_or_none(m, k):
    """index(k) as the model's index: None when k is absent."""
    try:
        return m.index(k)
    except ValueError:
        return None


ROUNDS = 8  # at most this many rounds of OPS calls per thread, until the calls overlap enough


def run_threads(m, rec, seed, round_no=0):
    """One round: THREADS threads, released together, each making OPS calls on m, recorded."""
    start = threading.Barrier(THREADS)
    errors = []

    def worker(t):
        rnd = random.Random((seed * ROUNDS + round_no) * 100 + t)
        writer = round_no * THREADS + t + 1  # names this thread's puts across every round
        try:
            start.wait()
            for n in range(OPS):
                k, r = rnd.randrange(KEYS), rnd.random()
                if r < 0.25:
                    v = writer * 1_000_000 + n  # unique: a read names the put it saw
                    rec.call({"f": "put", "key": k, "value": v}, partial(put_prev, m, k, v))
                elif r < 0.45:
                    rec.call({"f": "delete", "key": k}, partial(m.pop, k, None))
                elif r < 0.65:
                    i = rnd.randrange(-KEYS - 2, KEYS + 2)
                    rec.call({"f": "select", "index": i}, partial(peek, m, i))
                elif r < 0.77:
                    rec.call({"f": "rank", "key": k}, partial(m.bisect_left, k))
                elif r < 0.84:
                    rec.call({"f": "rank", "key": k + 1}, partial(m.bisect_right, k))
                elif r < 0.95:
                    rec.call({"f": "index", "key": k}, partial(index_or_none, m, k))
                else:
                    rec.call({"f": "get", "key": k}, partial(m.get, k))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as the OS allows: more interleaving
    try:
        for th in ts:
            th.start()
        for th in ts:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]


def overlapping(history):
    """How many operations overlap (closed intervals) an operation of another client."""
    ops = sorted(history, key=lambda o: o.call)
    n, reach = 0, []  # reach: (ret, client) of the operations called so far
    for o in ops:
        reach = [(r, c) for r, c in reach if r >= o.call]
        n += any(c != o.client for _, c in reach)
        reach.append((o.ret, o.client))
    return n


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_positional_calls_on_threads_are_linearizable(seed, tmp_path):
    rnd = random.Random(seed)
    m = SkipMap({k: rnd.getrandbits(40) for k in rnd.sample(range(KEYS), KEYS // 2)},
                node_bytes=256, seed=seed)
    rec = Recorder("sortedmap", timeout=120, out_dir=tmp_path)
    for k, v in m.items():  # the initial contents, as puts before every thread's first call
        rec.call({"f": "put", "key": k, "value": v}, lambda: None)
    # the threads' calls must interleave (under the GIL: where one thread gives it to another,
    # about a few hundred times in a run), so the checker has orders to choose between. On a
    # loaded machine the OS may run one thread's whole round before it wakes the others (CI saw
    # 0 overlaps once), so another round runs, on the same map and history, until they overlap.
    for rounds in range(1, ROUNDS + 1):
        run_threads(m, rec, seed, rounds)
        if overlapping(rec.history) >= 20:
            break
    rec.call({"f": "scan", "lo": 0, "hi": KEYS, "limit": None}, lambda: m.scan(0, KEYS),
             lambda items: [list(p) for p in items])
    m.validate()
    h = rec.history
    kinds = {f: sum(1 for o in h if o.f == f) for f in ("select", "rank", "index")}
    assert min(kinds.values()) > 50, kinds
    assert any(o.output is None for o in h if o.f == "select"), "no out-of-range select"
    assert any(o.output is not None for o in h if o.f == "index"), "no index of a present key"
    assert overlapping(h) >= 20, (overlapping(h), rounds)
    r = rec.check()  # raises NotLinearizable, with the counterexample saved, if it is not
    assert r.verdict == "ok"


def test_a_stale_positional_read_is_caught(tmp_path):
    # The pipeline is not vacuous: a "select" answered from a copy taken before a put and a
    # delete that both returned before it was called is not linearizable.
    m = SkipMap({1: 10, 2: 20}, node_bytes=256)
    rec = Recorder("sortedmap", timeout=30, out_dir=tmp_path)
    for k, v in m.items():
        rec.call({"f": "put", "key": k, "value": v}, lambda: None)
    stale = list(m.items())
    rec.call({"f": "put", "key": 0, "value": 5}, lambda: put_prev(m, 0, 5))
    rec.call({"f": "delete", "key": 2}, lambda: m.pop(2, None))
    rec.call({"f": "select", "index": -1}, lambda: list(stale[-1]))  # (2, 20): deleted
    rec.call({"f": "rank", "key": 2}, lambda: m.bisect_left(2))
    with pytest.raises(NotLinearizable) as info:
        rec.check()
    cx = info.value.result.counterexample
    assert cx is not None and [o.f for o in cx if o.f in ("select", "delete")] == ["delete", "select"]
