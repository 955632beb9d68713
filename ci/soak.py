#!/usr/bin/env python3
"""soak.py — long mixed-operation run of pybskip.SkipMap from several threads; nothing lost or invented.

    python ci/soak.py --minutes M [--threads T] [--seed S] [--check-seconds C]

What runs: T threads (default 4) share one SkipMap. Key space: the integers in [-KEYS, KEYS) plus
the int64 extremes; thread i *owns* the keys k with k % T == i and is the only thread that
changes them, but it reads, scans and iterates over everyone's keys. Its operations are a random
mix of m[k] = v, get, del, pop, setdefault, put_many/get_many/delete_many on owned keys, scan
and irange over random ranges, floor_key/ceiling_key, len. Every call into C releases the GIL, so
the C work of the threads really overlaps.

Oracle (per-thread-partitioned reference): each thread keeps a dict of the keys it owns. Because no
other thread changes them, every answer about an owned key has exactly one right value: a get,
pop or setdefault of an owned key, and the owned keys inside any scan (scans are atomic snapshots)
or batch call, must equal the thread's dict. A key the dict has and the map lacks is *lost*; one
the map has and the dict lacks is *invented*; a present key with another value is *wrong*.
Every C seconds all threads stop at a barrier (quiescence) and the main thread runs
SkipMap.validate() (every structural invariant) and compares the whole map with the union of the
dicts. A bug that drops, duplicates or resurrects a key, or corrupts a node, cannot hide: some
owned key's answer would differ, or validate/the full comparison at the next quiescent point
would fail.

Output: one line per quiescent check, then `ops: N` and, last, `lost: L, invented: I`.
Exit status: 0 when L = I = 0 and nothing else failed (wrong values, validate, an exception in a
thread); 1 otherwise; 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import random
import sys
import threading
import time

from pybskip import CorruptionError, SkipMap

KEYS = 4096
EXTREMES = [-(2 ** 63), -(2 ** 63) + 1, 2 ** 63 - 1, 2 ** 63 - 2]


class Tally:
    """Mismatch counters shared by all threads (guarded by `lock`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lost = self.invented = self.wrong = 0
        self.errors: list = []
        self.first: list = []

    def add(self, kind: str, detail: str) -> None:
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if len(self.first) < 10:
                self.first.append("%s: %s" % (kind, detail))


def compare(tally: Tally, what: str, key: int, got, want) -> None:
    """One answer about an owned key: got/want are a value or None (absent)."""
    if got == want:
        return
    kind = "lost" if got is None else "invented" if want is None else "wrong"
    tally.add(kind, "%s key %d: map %r, reference %r" % (what, key, got, want))


class Worker(threading.Thread):
    """One client thread: owns keys k with k % nthreads == index."""

    def __init__(self, index: int, nthreads: int, m: SkipMap, tally: Tally, seed: int,
                 barrier: threading.Barrier, pause: threading.Event, stop: threading.Event,
                 lose_on_purpose: bool) -> None:
        super().__init__(name="soak-%d" % index, daemon=True)
        self.index, self.nthreads, self.m, self.tally = index, nthreads, m, tally
        self.rng = random.Random(seed * 1000003 + index)
        self.ref: dict = {}
        self.ops = 0
        self.barrier, self.pause, self.stop = barrier, pause, stop
        self.lose_on_purpose = lose_on_purpose
        owned = [k for k in range(-KEYS, KEYS) if k % nthreads == index]
        self.owned = owned + [k for k in EXTREMES if k % nthreads == index]

    def key(self) -> int:
        return self.rng.choice(self.owned)

    def any_key(self) -> int:
        return self.rng.randrange(-KEYS - 8, KEYS + 8)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.pause.is_set():
                    self.barrier.wait()  # 1: everyone is quiescent; main checks
                    self.barrier.wait()  # 2: main is done
                    continue
                self.step()
                self.ops += 1
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # reported by main; the run fails
            with self.tally.lock:
                self.tally.errors.append("%s: %r" % (self.name, exc))
            self.barrier.abort()

    def owned_in(self, items) -> dict:
        return {k: v for k, v in items if k % self.nthreads == self.index}

    def step(self) -> None:
        m, ref, rng, t = self.m, self.ref, self.rng, self.tally
        r = rng.random()
        if r < 0.30:
            k, v = self.key(), rng.randrange(-2 ** 63, 2 ** 63)
            m[k] = v
            ref[k] = v
        elif r < 0.45:
            k = self.key()
            compare(t, "get", k, m.get(k), ref.get(k))
        elif r < 0.60:
            k = self.key()
            compare(t, "pop", k, m.pop(k, None), ref.pop(k, None))
        elif r < 0.65:
            k, v = self.key(), rng.randrange(1000)
            want = ref.setdefault(k, v)
            compare(t, "setdefault", k, m.setdefault(k, v), want)
        elif r < 0.72:
            lo = self.any_key()
            hi = lo + rng.randrange(0, 600)
            limit = rng.choice([None, 1, 10, 100])
            got = m.scan(lo, hi, limit=limit) if limit else m.scan(lo, hi)
            keys = [k for k, _ in got]
            if keys != sorted(set(keys)) or any(not lo <= k < hi for k in keys):
                t.add("wrong", "scan [%d, %d) returned %r" % (lo, hi, keys[:10]))
            mine = self.owned_in(got)
            if limit is not None and len(got) == limit:
                hi = keys[-1] + 1 if keys else lo  # the snapshot covers [lo, last returned]
            want = {k: v for k, v in ref.items() if lo <= k < hi}
            for k in set(mine) | set(want):
                compare(t, "scan", k, mine.get(k), want.get(k))
        elif r < 0.76:
            lo = self.any_key()
            got = list(m.irange(lo, lo + 200))
            if got != sorted(set(got)):
                t.add("wrong", "irange from %d not ascending" % lo)
        elif r < 0.82:
            ks = [self.key() for _ in range(rng.randrange(1, 20))]
            vs = [rng.randrange(-2 ** 40, 2 ** 40) for _ in ks]
            m.put_many(ks, vs)
            ref.update(zip(ks, vs))
        elif r < 0.87:
            ks = [self.key() for _ in range(rng.randrange(1, 20))]
            got = m.get_many(ks, default=None)
            for k, g in zip(ks, got):
                compare(t, "get_many", k, g, ref.get(k))
        elif r < 0.92:
            ks = list({self.key() for _ in range(rng.randrange(1, 10))})
            n = m.delete_many(ks)
            want = sum(1 for k in ks if ref.pop(k, None) is not None)
            if n != want:
                t.add("wrong", "delete_many removed %d, reference %d" % (n, want))
        elif r < 0.97:
            k = self.any_key()
            f, c = m.floor_key(k), m.ceiling_key(k)
            if (f is not None and f > k) or (c is not None and c < k):
                t.add("wrong", "floor/ceiling of %d: %r, %r" % (k, f, c))
        else:
            len(m)
        if self.lose_on_purpose and self.ops == 500 and ref:
            del m[next(iter(ref))]  # a deliberate bug for the self-test: the reference keeps it


def quiescent_check(m: SkipMap, workers, tally: Tally) -> None:
    """All workers are parked: validate, then compare the whole map with the union of dicts."""
    try:
        m.validate()
    except CorruptionError as exc:
        with tally.lock:
            tally.errors.append("validate: %s" % exc)
    want = {}
    for w in workers:
        want.update(w.ref)
    got = dict(m.items())
    for k in set(got) | set(want):
        compare(tally, "quiescent", k, got.get(k), want.get(k))
    if len(m) != len(got):
        tally.add("wrong", "len %d != %d items" % (len(m), len(got)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check-seconds", type=float, default=10.0)
    ap.add_argument("--node-bytes", type=int, default=256, help="small nodes: more splits/merges")
    ap.add_argument("--lose-on-purpose", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.threads < 2 or a.minutes <= 0:
        ap.error("need --threads >= 2 and --minutes > 0")
    m = SkipMap(node_bytes=a.node_bytes, seed=a.seed)
    tally = Tally()
    pause, stop = threading.Event(), threading.Event()
    barrier = threading.Barrier(a.threads + 1)
    workers = [Worker(i, a.threads, m, tally, a.seed, barrier, pause, stop, a.lose_on_purpose)
               for i in range(a.threads)]
    start = time.monotonic()
    end = start + a.minutes * 60
    check_every = min(a.check_seconds, max(a.minutes * 60 / 3, 0.5))
    for w in workers:
        w.start()
    checks = 0
    try:
        while True:
            now = time.monotonic()
            time.sleep(max(0.0, min(check_every, end - now)))
            last = time.monotonic() >= end
            pause.set()
            barrier.wait()  # 1: all parked
            quiescent_check(m, workers, tally)
            checks += 1
            print("t=%6.1fs ops=%d len=%d height=%d validate ok=%s" % (
                time.monotonic() - start, sum(w.ops for w in workers), len(m), m.height,
                not tally.errors), flush=True)
            if last or tally.errors:
                stop.set()
            pause.clear()
            barrier.wait()  # 2: resume (or stop)
            if last or tally.errors:
                break
    except threading.BrokenBarrierError:
        stop.set()
    for w in workers:
        w.join(timeout=30)
    ops = sum(w.ops for w in workers)
    for line in tally.first + tally.errors:
        print("  " + line)
    print("threads: %d, quiescent checks: %d, wrong values: %d, errors: %d"
          % (a.threads, checks, tally.wrong, len(tally.errors)))
    print("ops: %d" % ops)
    print("lost: %d, invented: %d" % (tally.lost, tally.invented))
    bad = tally.lost or tally.invented or tally.wrong or tally.errors or checks == 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
