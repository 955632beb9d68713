"""test_hardening_oom.py — out-of-memory behaviour through the instrumented Python module.

What runs: pybskip._bskip_instrumented_cffi is core_c built with -DBSKIP_FAILALLOC. A fixed,
seeded workload (bskip_new, then puts of new and existing keys, put_if_absent, deletes, long scans
and put_many) is run once to count its allocations N; then, for every k in 1..N, it is run again
from scratch with the k-th allocation failing (once, and "sticky": k and every later one).
What is checked: every call returns BSKIP_ENOMEM or its normal result; after a BSKIP_ENOMEM the
map validates and equals the dict model, which applied nothing of the failed call (put_many:
its pairs up to *applied, see below); at the end the map equals the model.
Why a bug cannot hide: test_oom_check_catches_a_changed_map runs the same checker on a map that a
"failed" call did change, and requires it to complain; and the count run must reach N > 50.
"""
import random

import pytest

from pybskip._bskip_instrumented_cffi import ffi, lib

OPS = 250
SCAN_CAP = 4096


def _failalloc():
    if not hasattr(lib, "bskip_failalloc_set"):
        pytest.fail("pybskip._bskip_instrumented_cffi lacks bskip_failalloc_set: rebuild the package")
    assert lib.bskip_testing_features() & 4, "the instrumented module has no failing allocator"


def contents(m):
    keys, vals = ffi.new("int64_t[]", SCAN_CAP), ffi.new("int64_t[]", SCAN_CAP)
    n = lib.bskip_scan_closed(m, -2 ** 63, 2 ** 63 - 1, keys, vals, SCAN_CAP)
    assert n >= 0
    return dict(zip(ffi.unpack(keys, n), ffi.unpack(vals, n)))


def check_same(m, model, what):
    """The map validates and equals the model; the allocator is healthy while checking."""
    lib.bskip_failalloc_set(0, 0)
    msg = ffi.new("char[]", 256)
    assert lib.bskip_validate(m, msg, 256) == lib.BSKIP_OK, (what, ffi.string(msg))
    got = contents(m)
    assert got == model, "%s: map differs from the model (%d vs %d keys)" % (what, len(got), len(model))


def run_workload(k, sticky):
    """Runs the workload with allocation k failing (0: none); returns (allocations, enomem count)."""
    rng = random.Random(2024)
    opts = ffi.new("bskip_options *", {"node_bytes": 256, "promote_prob": 0.5, "seed": 9})
    out = ffi.new("bskip **")
    lib.bskip_failalloc_set(k, 1 if sticky else 0)
    enomem = 0
    try:
        rc = lib.bskip_new(out, opts)
        if rc == lib.BSKIP_ENOMEM:
            assert out[0] == ffi.NULL
            enomem += 1
            rc = lib.bskip_new(out, opts)
            if rc == lib.BSKIP_ENOMEM:
                assert sticky
                return 0, enomem
        assert rc == lib.BSKIP_OK
        m, model = out[0], {}
        old = ffi.new("int64_t *")
        for i in range(OPS):
            key = rng.choice([rng.randrange(-400, 400), -2 ** 63, 2 ** 63 - 1])
            val = rng.randrange(-2 ** 63, 2 ** 63)
            what = "k=%d sticky=%s op %d" % (k, sticky, i)
            kind = rng.randrange(10)
            if kind < 5:
                rc = lib.bskip_put(m, key, val, old)
                if rc != lib.BSKIP_ENOMEM:
                    assert rc == (lib.BSKIP_REPLACED if key in model else lib.BSKIP_INSERTED), what
                    model[key] = val
            elif kind < 6:
                rc = lib.bskip_put_if_absent(m, key, val, old)
                if rc != lib.BSKIP_ENOMEM:
                    assert rc == (lib.BSKIP_OK if key in model else lib.BSKIP_INSERTED), what
                    model.setdefault(key, val)
            elif kind < 7:
                rc = lib.bskip_delete(m, key, old)
                assert rc == (lib.BSKIP_OK if key in model else lib.BSKIP_NOT_FOUND), what
                model.pop(key, None)
            elif kind < 8:
                keys, vals = ffi.new("int64_t[]", SCAN_CAP), ffi.new("int64_t[]", SCAN_CAP)
                rc = lib.bskip_scan(m, -2 ** 63, key, keys, vals, SCAN_CAP)
                if rc != lib.BSKIP_ENOMEM:
                    assert rc == sum(1 for x in model if x < key), what
            else:  # put_many of 6 pairs, index order (n < 64: one put per pair, see batch.c)
                ks = [rng.randrange(-400, 400) for _ in range(6)]
                vs = [rng.randrange(1000) for _ in ks]
                applied = ffi.new("size_t *")
                rc = lib.bskip_put_many(m, ks, vs, len(ks), applied)
                upto = applied[0] if rc == lib.BSKIP_ENOMEM else len(ks)
                for kk, vv in zip(ks[:upto], vs[:upto]):
                    model[kk] = vv
            if rc == lib.BSKIP_ENOMEM:
                assert k > 0, what
                enomem += 1
                count = lib.bskip_alloc_count()
                check_same(m, model, what)
                if sticky:
                    lib.bskip_failalloc_set(1, 1)
                elif count < k:  # cannot happen: the failure fired (kept for clarity)
                    lib.bskip_failalloc_set(k - count, 0)
        allocs = lib.bskip_alloc_count()
        check_same(m, model, "k=%d end" % k)
        lib.bskip_free(m)
        return allocs, enomem
    finally:
        lib.bskip_failalloc_set(0, 0)


def test_every_failing_allocation_returns_enomem_and_leaves_the_map_unchanged():
    _failalloc()
    total, enomem = run_workload(0, False)
    assert enomem == 0 and total > 50, total
    saw = 0
    for k in range(1, total + 1):
        for sticky in (False, True):
            saw += run_workload(k, sticky)[1] > 0
    assert saw == 2 * total  # every k hit some call


def test_oom_check_catches_a_changed_map():
    _failalloc()
    out = ffi.new("bskip **")
    assert lib.bskip_new(out, ffi.NULL) == lib.BSKIP_OK
    try:
        lib.bskip_put(out[0], 1, 2, ffi.NULL)  # the "failed" call changed the map
        with pytest.raises(AssertionError):
            check_same(out[0], {}, "self-test")
    finally:
        lib.bskip_free(out[0])
