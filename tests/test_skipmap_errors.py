"""test_skipmap_errors.py — every documented error of SkipMap, and that bad input changes nothing.

For each kind of bad input (non-int key or value, out-of-int64 key or value, missing key,
mismatched batch lengths, bad options, bad scan bounds, malformed buffers) we check the exact
exception type, that its message names the problem, and that the map's contents are unchanged
afterwards (compared with a snapshot taken before the bad call) and still validate.
"""
from array import array

import numpy as np
import pytest

from pybskip import SkipMap

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@pytest.fixture
def m():
    mp = SkipMap({1: 10, 2: 20, INT64_MAX: 7})
    yield mp
    assert dict(mp.items()) == {1: 10, 2: 20, INT64_MAX: 7}, "bad input changed the map"
    mp.validate()


@pytest.mark.parametrize("bad", [1.5, "1", None, b"1", (1,), np.float64(1.0)])
def test_non_int_key_is_type_error(m, bad):
    with pytest.raises(TypeError, match="key must be an int"):
        m[bad]
    with pytest.raises(TypeError, match="key must be an int"):
        m[bad] = 1
    with pytest.raises(TypeError, match="key must be an int"):
        del m[bad]
    with pytest.raises(TypeError):
        m.get(bad)
    with pytest.raises(TypeError):
        m.pop(bad)
    with pytest.raises(TypeError):
        m.floor_key(bad)
    with pytest.raises(TypeError):
        m.setdefault(bad, 1)
    assert bad not in m  # membership of an impossible key is simply False


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1, 2**100])
def test_out_of_range_key_is_overflow_error(m, bad):
    with pytest.raises(OverflowError, match="outside the int64 range"):
        m[bad]
    with pytest.raises(OverflowError, match="outside the int64 range"):
        m[bad] = 1
    with pytest.raises(OverflowError):
        del m[bad]
    with pytest.raises(OverflowError):
        m.higher_key(bad)
    with pytest.raises(OverflowError):
        m.scan(bad)


def test_bad_values(m):
    with pytest.raises(TypeError, match="value must be an int"):
        m[5] = 1.0
    with pytest.raises(OverflowError, match="value .* outside the int64 range"):
        m[5] = 2**63
    with pytest.raises(TypeError):
        m.setdefault(5, "x")


def test_missing_key_is_key_error(m):
    with pytest.raises(KeyError):
        m[3]
    with pytest.raises(KeyError):
        del m[3]
    with pytest.raises(KeyError):
        m.pop(3)
    with pytest.raises(KeyError):
        SkipMap().popitem()
    with pytest.raises(IndexError):
        SkipMap().peekitem()
    with pytest.raises(IndexError):
        m.peekitem(3)


def test_batch_errors_leave_map_unchanged(m):
    with pytest.raises(ValueError, match="3 keys but 2 values"):
        m.put_many([5, 6, 7], [1, 2])
    with pytest.raises(TypeError, match="every element must be an int"):
        m.put_many([5, 6.5], [1, 2])
    with pytest.raises(OverflowError, match="int64 range"):
        m.put_many([5, 2**64], [1, 2])
    with pytest.raises(OverflowError, match="int64 range"):
        m.put_many([5], [2**63])
    with pytest.raises(TypeError, match="not an integer array"):
        m.put_many(np.array([1.0, 2.0]), np.array([1, 2]))
    with pytest.raises(OverflowError):
        m.put_many(np.array([2**64 - 1], dtype=np.uint64), np.array([1]))
    with pytest.raises(ValueError, match="whole number of int64"):
        m.delete_many(b"1234567")
    with pytest.raises(TypeError, match="buffer or an iterable"):
        m.get_many("123")
    with pytest.raises(TypeError):
        m.delete_many(5)
    with pytest.raises(TypeError):
        m.get_many([1], default=1.5)


def test_batch_inputs_of_every_kind():
    m = SkipMap()
    assert m.put_many(np.array([3, 1], dtype=np.int32), array("q", [30, 10])) == 2
    assert m.put_many(array("q", [2]).tobytes(), [20]) == 1
    assert m.put_many(memoryview(array("q", [4])), (x for x in [40])) == 1
    got = m.get_many(np.array([1, 2, 9]), -1)
    assert isinstance(got, np.ndarray) and got.tolist() == [10, 20, -1]
    assert m.get_many(array("q", [3, 4])).tolist() == [30, 40]
    assert m.delete_many(np.array([1, 2, 3, 4, 5])) == 4 and len(m) == 0


def test_options_and_scan_arguments():
    with pytest.raises(ValueError, match="node_bytes"):
        SkipMap(node_bytes=100)
    with pytest.raises(ValueError, match="promote_prob"):
        SkipMap(promote_prob=1.5)
    m = SkipMap({1: 1})
    with pytest.raises(ValueError, match="lo 5 > hi 4"):
        m.scan(5, 4)
    with pytest.raises(ValueError, match="limit"):
        m.scan(limit=-1)
    with pytest.raises(IndexError, match="index 3 out of range"):
        m.popitem(3)  # any index is allowed now; out of range on a non-empty map: IndexError
    with pytest.raises(TypeError, match="pass an int default"):
        m.setdefault(9)  # absent, no int default: nothing inserted
    assert 9 not in m and m.setdefault(1) == 1
    with pytest.raises(TypeError, match="keyword"):
        m.update(a=1)
    with pytest.raises(TypeError, match="pairs"):
        m.update([1, 2])
    assert m.scan(3, 3) == [] and dict(m.items()) == {1: 1}
    assert m.scan(limit=2**62) == [(1, 1)]  # a huge limit does not size the buffer


def test_repr_and_equality():
    assert repr(SkipMap()) == "SkipMap({})"
    assert repr(SkipMap({2: 3, 1: 1})) == "SkipMap({1: 1, 2: 3})"
    big = SkipMap((i, i) for i in range(20))
    assert repr(big).endswith("9: 9, ...}, len=20)")
    assert SkipMap({1: 2}) == {1: 2} and SkipMap({1: 2}) != {1: 3}
    import pickle
    assert pickle.loads(pickle.dumps(big)) == big
