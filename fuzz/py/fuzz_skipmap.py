#!/usr/bin/env python3
"""fuzz_skipmap.py — atheris target for pybskip.SkipMap's Python surface.

    python fuzz/py/fuzz_skipmap.py [atheris/libFuzzer flags] [CORPUS_DIR]   (fuzz; needs atheris)
    python fuzz/py/fuzz_skipmap.py --replay FILE_OR_DIR...                  (no atheris needed)

The input (byte_reader.py) decodes to constructor options and up to MAX_OPS method calls, each with
arguments of any kind (valid ints, int64 extremes, ints outside int64, bools, floats, None, str,
bytes, containers). Contract checked, per call:
  - it returns, or raises one of the documented exceptions (TypeError, OverflowError, KeyError,
    ValueError, IndexError); anything else (CorruptionError, SystemError, MemoryError, a crash in
    C) escapes and the fuzzer reports it;
  - a call that raised left the map unchanged;
  - a call that returned agrees with a dict model (values, lengths, navigation, scans, batches);
  - validate() passes every VALIDATE_EVERY calls and at the end.
"""
from __future__ import annotations

import os
import pickle
import sys
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from byte_reader import INT64_MAX, INT64_MIN, ByteReader  # noqa: E402

try:
    import atheris
except ImportError:  # replay works without it
    atheris = None

if atheris is not None and __name__ == "__main__" and "--replay" not in sys.argv:
    with atheris.instrument_imports():
        from pybskip import SkipMap
else:
    from pybskip import SkipMap

DOCUMENTED = (TypeError, OverflowError, KeyError, ValueError, IndexError)
MAX_OPS = 64
VALIDATE_EVERY = 8


class Mismatch(AssertionError):
    """The map disagreed with the model (not a documented exception: the fuzzer reports it)."""


def is_key(x: Any) -> bool:
    return isinstance(x, int) and INT64_MIN <= x <= INT64_MAX


def agree(what: str, got: Any, want: Any) -> None:
    if got != want:
        raise Mismatch("%s: map gave %r, model %r" % (what, got, want))


def floor(ref: Dict[int, int], k: int):
    c = [x for x in ref if x <= k]
    return max(c) if c else None


def ceiling(ref: Dict[int, int], k: int):
    c = [x for x in ref if x >= k]
    return min(c) if c else None


def call(m: SkipMap, ref: Dict[int, int], r: ByteReader, op: int) -> None:
    """One method call with fuzzed arguments; checks its result against ref and updates ref."""
    a = r.value()
    if op == 0:
        b = r.value()
        m[a] = b
        if not (is_key(a) and is_key(b)):
            raise Mismatch("m[%r] = %r accepted" % (a, b))
        ref[a] = b
    elif op == 1:
        agree("m[%r]" % (a,), m[a], ref[a])  # KeyError from either side is fine...
    elif op == 2:
        del m[a]
        del ref[a]
    elif op == 3:
        agree("%r in m" % (a,), a in m, is_key(a) and a in ref)
    elif op == 4:
        agree("get", m.get(a, "absent"), ref.get(a, "absent") if is_key(a) else None)
    elif op == 5:
        got = m.pop(a, "absent")
        agree("pop", got, ref.pop(a, "absent"))
    elif op == 6:
        b = r.value()
        got = m.setdefault(a, b)
        if b is None:  # MutableMapping's default: accepted only for a present key (its value)
            if a not in ref:
                raise Mismatch("setdefault(%r, None) on an absent key accepted" % (a,))
            agree("setdefault", got, ref[a])
        elif not is_key(b):
            raise Mismatch("setdefault default %r accepted" % (b,))
        else:
            agree("setdefault", got, ref.setdefault(a, b))
    elif op == 7:
        agree("floor_key", m.floor_key(a), floor(ref, a))
    elif op == 8:
        agree("ceiling_key", m.ceiling_key(a), ceiling(ref, a))
    elif op == 9:
        agree("lower_key", m.lower_key(a), floor(ref, a - 1))
    elif op == 10:
        agree("higher_key", m.higher_key(a), ceiling(ref, a + 1))
    elif op == 11:
        got = m.peekitem(a)
        items = sorted(ref.items())
        agree("peekitem", got, items[a])
    elif op == 12:
        got = m.popitem(a)  # any position (an int, a bool or an __index__ object, as peekitem)
        if not ref:
            raise Mismatch("popitem on empty returned %r" % (got,))
        items = sorted(ref.items())
        if not -len(items) <= a < len(items):
            raise Mismatch("popitem(%r) returned %r out of range" % (a, got))
        want = items[a]
        del ref[want[0]]
        agree("popitem", got, want)
    elif op == 13:
        b, c = r.value(), (r.value() if r.u8() & 1 else None)
        lo, hi = (None if r.u8() & 1 else a), (None if r.u8() & 1 else b)
        got = m.scan(lo, hi, c) if c is not None else m.scan(lo, hi)
        lo_ = INT64_MIN if lo is None else lo
        want = sorted((k, v) for k, v in ref.items() if lo_ <= k and (hi is None or k < hi))
        agree("scan", got, want[:c] if c is not None else want)
    elif op == 14:
        b = r.value()
        inc, rev = (r.value() if r.u8() & 1 else (True, True)), bool(r.u8() & 1)
        got = list(m.irange(a, b, inclusive=inc, reverse=rev))
        want = sorted(k for k in ref if (a < k or (inc[0] and a == k)) and
                      (k < b or (inc[1] and k == b)))
        agree("irange", got, want[::-1] if rev else want)
    elif op == 15:
        ks, vs = batch(r, a), batch(r, r.value())
        got = m.put_many(ks, vs)
        new = 0
        for k, v in zip(as_ints(ks), as_ints(vs)):
            new += k not in ref
            ref[k] = v
        agree("put_many", got, new)
    elif op == 16:
        ks = batch(r, a)
        got = list(m.get_many(ks, default=None))
        agree("get_many", got, [ref.get(k) for k in as_ints(ks)])
    elif op == 17:
        ks = batch(r, a)
        got = m.delete_many(ks)
        agree("delete_many", got, sum(ref.pop(k, None) is not None for k in as_ints(ks)))
    elif op == 18:
        pairs = [(r.value(), r.value()) for _ in range(r.u8() % 6)]
        src = dict(pairs) if r.u8() & 1 else pairs
        m.update(src)
        ref.update(src)
        if not all(is_key(k) and is_key(v) for k, v in ref.items()):
            raise Mismatch("update accepted %r" % (src,))
    elif op == 19:
        agree("len", len(m), len(ref))
        agree("keys", list(m), sorted(ref))
        agree("reversed", list(reversed(m)), sorted(ref, reverse=True))
        agree("values", list(m.values()), [ref[k] for k in sorted(ref)])
        agree("==", m == ref, True)
        agree("pickle", dict(pickle.loads(pickle.dumps(m)).items()), ref)
        repr(m)
    elif op == 20:
        m.clear()
        ref.clear()
    else:
        m.validate()


def batch(r: ByteReader, first: Any) -> Any:
    """A batch argument: a list of fuzzed values, bytes, or a bare value."""
    form = r.u8() % 4
    if form == 0:
        return [first] + [r.value() for _ in range(r.u8() % 8)]
    if form == 1:
        return r.ints(8)
    if form == 2:
        return r.raw(8 * (r.u8() % 4) + (r.u8() % 3 == 0))  # sometimes not a multiple of 8
    return first


def as_ints(batch_arg: Any):
    """The int64 values a successful batch call read from its argument (mirrors _buffers.py)."""
    if isinstance(batch_arg, (bytes, bytearray)):
        return [int.from_bytes(batch_arg[i:i + 8], sys.byteorder, signed=True)
                for i in range(0, len(batch_arg), 8)]
    return [int(x) for x in batch_arg]


def TestOneInput(data: bytes) -> None:
    r = ByteReader(data)
    opts = {}
    flags = r.u8()
    if flags & 1:
        opts["node_bytes"] = r.value()
    if flags & 2:
        opts["promote_prob"] = r.value()
    if flags & 4:
        opts["seed"] = r.value()
    try:
        m = SkipMap(**opts)
    except DOCUMENTED:
        m = SkipMap(node_bytes=256)
    ref: Dict[int, int] = {}
    for i in range(MAX_OPS):
        if r.done():
            break
        op = r.u8() % 22
        before = dict(ref)
        try:
            call(m, ref, r, op)
        except Mismatch:
            raise
        except DOCUMENTED:
            ref.clear()
            ref.update(before)
            agree("map after a raising call (op %d)" % op, dict(m.items()), ref)
        if i % VALIDATE_EVERY == VALIDATE_EVERY - 1:
            m.validate()
    m.validate()
    agree("final", dict(m.items()), ref)


def replay(paths) -> int:
    n = 0
    for p in paths:
        files = [os.path.join(p, f) for f in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
        for f in files:
            with open(f, "rb") as fh:
                TestOneInput(fh.read())
            n += 1
    print("replayed %d inputs" % n)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        sys.exit(replay(sys.argv[2:]))
    if atheris is None:
        sys.exit("atheris is not installed (pip install atheris); use --replay to run a corpus")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
