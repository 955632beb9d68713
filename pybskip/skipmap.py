"""skipmap.py — `SkipMap`, the int64 -> int64 concurrent sorted map over core_c.

The vocabulary follows sortedcontainers.SortedDict (irange, peekitem, popitem(index=-1)) and Java's
NavigableMap (floor_key, ceiling_key, lower_key, higher_key). Every method is safe to call from
many threads at once; every call into C releases the GIL (cffi does so for each call), so C work
of different threads runs in parallel.

Guarantees under concurrency:
  - single-key calls (`m[k]`, `m[k] = v`, `del m[k]`, get, pop, setdefault, floor_key, ...) and
    `scan` are linearizable; `scan` returns one atomic snapshot of its range.
  - iteration (`iter(m)`, keys/values/items, irange) is chunked: it reads the map in chunks of at
    most `ITER_CHUNK` keys, each chunk one atomic snapshot taken just after the last key yielded.
    Keys come out strictly ascending (descending with reverse=True), never twice; a key present
    during the whole iteration is yielded; a key absent during the whole iteration is not; a key
    inserted or deleted during the iteration may or may not be. Reverse iteration reads one key
    per step (each step linearizable). Modifying the map while iterating is allowed.
  - batch calls (put_many, get_many, delete_many) apply their elements in order, each element
    linearizable on its own; a batch is not atomic.
Invariant: `_m` owns one bskip, freed when the SkipMap is garbage-collected.
"""
from __future__ import annotations

from array import array
from collections.abc import ItemsView, KeysView, MutableMapping, ValuesView
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Protocol,
                    Tuple, Type, TypeVar, Union, cast, overload)

from ._bskip_cffi import ffi, lib
from ._buffers import INT64_MAX, INT64_MIN, int64_view, is_numpy
from ._errors import CorruptionError, raise_for

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_T = TypeVar("_T")
_MISSING: Any = object()
ITER_CHUNK = 1024


class _KeysAndGetItem(Protocol):
    """What update() and SkipMap() read as a mapping: keys() and m[k] (as dict.update does)."""

    def keys(self) -> Iterable[int]: ...

    def __getitem__(self, key: int, /) -> int: ...


# What the constructor and update() take: a mapping (or keys() + m[k]) or (key, value) pairs.
_Items = Union[_KeysAndGetItem, Iterable[Tuple[int, int]]]

OK, INSERTED, REPLACED, NOT_FOUND = lib.BSKIP_OK, lib.BSKIP_INSERTED, lib.BSKIP_REPLACED, lib.BSKIP_NOT_FOUND


def _bad_int(what: str, value: object, exc: Exception) -> Exception:
    """A TypeError/OverflowError naming the argument, for a value cffi refused as int64_t."""
    if isinstance(exc, OverflowError) or (isinstance(value, int) and not isinstance(value, bool)):
        return OverflowError("%s %r is outside the int64 range [%d, %d]"
                             % (what, value, INT64_MIN, INT64_MAX))
    return TypeError("%s must be an int, got %s" % (what, type(value).__name__))


def _check_int(what: str, value: Any) -> int:
    """Returns value as an int64-range int, or raises TypeError/OverflowError naming `what`."""
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return int(value)
        raise _bad_int(what, value, OverflowError())
    try:
        value = value.__index__()  # NumPy integers and other exact ints
    except AttributeError:
        raise TypeError("%s must be an int, got %s" % (what, type(value).__name__)) from None
    return _check_int(what, value)


class SkipMap(MutableMapping[int, int]):
    """A concurrent sorted map from int64 keys to int64 values (a B-skiplist in C).

    >>> m = SkipMap({3: 30, 1: 10})
    >>> m[2] = 20
    >>> list(m.items())
    [(1, 10), (2, 20), (3, 30)]
    >>> m.floor_key(5), m.ceiling_key(0), m.peekitem(0)
    (3, 1, (1, 10))

    :param items: a mapping or an iterable of (key, value) pairs to insert.
    :param node_bytes: bytes per node (256..65536); default 2048.
    :param promote_prob: probability of promoting a key one more level; default 2/capacity.
    :param seed: seed of the height RNG (reproducible shapes in tests); 0 = fixed default.
    """

    __slots__ = ("_m", "__weakref__")

    def __init__(self, items: Optional[_Items] = None,
                 /, *, node_bytes: int = 0, promote_prob: float = 0.0, seed: int = 0) -> None:
        opts = ffi.new("bskip_options *")
        opts.node_bytes = _check_int("node_bytes", node_bytes) if node_bytes else 0
        opts.promote_prob = float(promote_prob)
        opts.seed = seed
        out = ffi.new("bskip **")
        rc = lib.bskip_new(out, opts)
        if rc != OK:
            if rc == lib.BSKIP_EINVAL:
                raise ValueError("invalid SkipMap options: node_bytes must be 256..65536 and "
                                 "promote_prob in (0, 1), got node_bytes=%r promote_prob=%r"
                                 % (node_bytes, promote_prob))
            raise_for(rc, "SkipMap()", lib)
        self._m = ffi.gc(out[0], lib.bskip_free)
        if items is not None:
            self.update(items)

    # ---- single keys -------------------------------------------------------------------------

    def _lookup(self, key: int) -> Any:
        """One bskip_get: the C result (rc, value); TypeError/OverflowError for a bad key."""
        try:
            return lib.pyb_get(self._m, key)
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None

    def __getitem__(self, key: int) -> int:
        """``m[key]``: the value of key; KeyError if absent. O(log n)."""
        r = self._lookup(key)
        if r.rc == OK:
            value: int = r.value
            return value
        raise KeyError(key)

    def __setitem__(self, key: int, value: int) -> None:
        """``m[key] = value``: insert or replace. O(log n)."""
        try:
            rc = lib.bskip_put(self._m, key, value, ffi.NULL)
        except (TypeError, OverflowError) as exc:
            if isinstance(exc, TypeError) and not isinstance(key, int):
                raise _bad_int("key", key, exc) from None
            _check_int("key", key)
            raise _bad_int("value", value, exc) from None
        if rc < 0:
            raise_for(rc, "m[%r] = %r" % (key, value), lib)

    def __delitem__(self, key: int) -> None:
        """``del m[key]``; KeyError if absent. O(log n)."""
        try:
            rc = lib.bskip_delete(self._m, key, ffi.NULL)
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None
        if rc != OK:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        """``key in m``. A non-int or out-of-range key is simply not in the map. O(log n)."""
        try:
            found: bool = lib.bskip_get(self._m, key, ffi.NULL) == OK
            return found
        except (TypeError, OverflowError):
            return False

    @overload
    def get(self, key: int) -> Optional[int]: ...

    @overload
    def get(self, key: int, default: int) -> int: ...

    @overload
    def get(self, key: int, default: _T) -> Union[int, _T]: ...

    def get(self, key: int, default: Optional[_T] = None) -> Union[int, _T, None]:
        """The value of key, or default. O(log n).

        >>> SkipMap({1: 2}).get(5, -1)
        -1
        """
        r = self._lookup(key)
        return r.value if r.rc == OK else default

    @overload
    def pop(self, key: int) -> int: ...

    @overload
    def pop(self, key: int, default: int) -> int: ...

    @overload
    def pop(self, key: int, default: _T) -> Union[int, _T]: ...

    def pop(self, key: int, default: Union[int, _T] = _MISSING) -> Union[int, _T]:
        """Removes key and returns its value (atomically); default or KeyError if absent. O(log n).

        >>> m = SkipMap({1: 2}); m.pop(1), m.pop(1, None)
        (2, None)
        """
        try:
            r = lib.pyb_delete(self._m, key)
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None
        if r.rc == OK:
            value: int = r.value
            return value
        if default is _MISSING:
            raise KeyError(key)
        return default

    def setdefault(self, key: int, default: int = 0) -> int:
        """Atomically: the value of key if present, else insert default and return it. O(log n).

        >>> m = SkipMap(); m.setdefault(1, 5), m.setdefault(1, 7)
        (5, 5)
        """
        try:
            r = lib.pyb_put_if_absent(self._m, key, default)
        except (TypeError, OverflowError) as exc:
            _check_int("key", key)
            raise _bad_int("default", default, exc) from None
        if r.rc < 0:
            raise_for(r.rc, "setdefault(%r)" % (key,), lib)
        value: int = default if r.rc == INSERTED else r.value
        return value

    def __len__(self) -> int:
        """Number of keys. O(1) (a momentary value under concurrent writers)."""
        n: int = lib.bskip_len(self._m)
        return n

    # ---- navigation ---------------------------------------------------------------------------

    def _entry(self, fn: Callable[[Any, int], Any], key: int, what: str) -> Optional[Tuple[int, int]]:
        """(key, value) of the pyb_entry that `fn` (a cffi function: pyb_floor, pyb_ceiling) returns."""
        try:
            e = fn(self._m, key)
        except (TypeError, OverflowError) as exc:
            raise _bad_int(what, key, exc) from None
        return (e.key, e.value) if e.rc == OK else None

    def floor_key(self, key: int) -> Optional[int]:
        """The greatest key <= key, or None. O(log n).

        >>> SkipMap({1: 0, 5: 0}).floor_key(4)
        1
        """
        e = self._entry(lib.pyb_floor, key, "key")
        return None if e is None else e[0]

    def ceiling_key(self, key: int) -> Optional[int]:
        """The least key >= key, or None. O(log n).

        >>> SkipMap({1: 0, 5: 0}).ceiling_key(2)
        5
        """
        e = self._entry(lib.pyb_ceiling, key, "key")
        return None if e is None else e[0]

    def lower_key(self, key: int) -> Optional[int]:
        """The greatest key < key, or None. O(log n).

        >>> SkipMap({1: 0, 5: 0}).lower_key(5)
        1
        """
        key = _check_int("key", key)
        return None if key == INT64_MIN else self.floor_key(key - 1)

    def higher_key(self, key: int) -> Optional[int]:
        """The least key > key, or None. O(log n).

        >>> SkipMap({1: 0, 5: 0}).higher_key(1)
        5
        """
        key = _check_int("key", key)
        return None if key == INT64_MAX else self.ceiling_key(key + 1)

    def peekitem(self, index: int = -1) -> Tuple[int, int]:
        """The (key, value) at position index (0 first, -1 last); IndexError if out of range.

        O(log n) for 0 and -1, O(log n + |index|) otherwise.

        >>> SkipMap({1: 10, 2: 20}).peekitem()
        (2, 20)
        """
        index = _check_int("index", index)
        if index == 0 or index == -1:
            e = self._entry(lib.pyb_ceiling if index == 0 else lib.pyb_floor,
                            INT64_MIN if index == 0 else INT64_MAX, "key")
            if e is None:
                raise IndexError("peekitem on an empty SkipMap")
            return e
        steps = index if index >= 0 else -index - 1
        it = self._items_from(INT64_MIN, INT64_MAX) if index >= 0 else self._reverse_items(INT64_MIN, INT64_MAX)
        for i, item in enumerate(it):
            if i == steps:
                return item
        raise IndexError("SkipMap index %d out of range" % index)

    def popitem(self, index: int = -1) -> Tuple[int, int]:
        """Removes and returns the last (index=-1) or first (index=0) item; KeyError if empty.

        Atomic per item: under concurrent pops each item is returned to exactly one caller.
        O(log n).

        >>> m = SkipMap({1: 10, 2: 20}); m.popitem(), m.popitem(0)
        ((2, 20), (1, 10))
        """
        if _check_int("index", index) not in (0, -1):
            raise ValueError("popitem supports index 0 or -1, got %r" % (index,))
        while True:
            try:
                key = self.peekitem(index)[0]
            except IndexError:
                raise KeyError("popitem(): SkipMap is empty") from None
            r = lib.pyb_delete(self._m, key)
            if r.rc == OK:  # otherwise another thread took it first: look again
                return key, r.value

    # ---- ranges and iteration -----------------------------------------------------------------

    def scan(self, lo: Optional[int] = None, hi: Optional[int] = None,
             limit: Optional[int] = None) -> List[Tuple[int, int]]:
        """The items with lo <= key < hi (None = unbounded), ascending, at most `limit` of them,
        as ONE linearizable snapshot. O(log n + k).

        >>> SkipMap({1: 1, 2: 2, 3: 3}).scan(2)
        [(2, 2), (3, 3)]
        """
        lo_ = INT64_MIN if lo is None else _check_int("lo", lo)
        if hi is not None and _check_int("hi", hi) <= lo_:
            if hi < lo_:
                raise ValueError("scan: lo %d > hi %d" % (lo_, hi))
            return []
        hi_ = INT64_MAX if hi is None else hi - 1  # closed upper bound
        if limit is not None:
            limit = _check_int("limit", limit)
            if limit < 0:
                raise ValueError("scan: limit must be >= 0, got %d" % limit)
        # The buffer is sized by the map, not by the limit (which may be huge); a snapshot that
        # filled its buffer below the limit may have missed keys: retry with a larger one.
        cap = max(16, len(self) + 16)
        while True:
            if limit is not None and cap >= limit:
                return self._snapshot(lo_, hi_, limit)
            items = self._snapshot(lo_, hi_, cap)
            if len(items) < cap:
                return items
            cap *= 2

    def _snapshot(self, lo: int, hi: int, cap: int) -> List[Tuple[int, int]]:
        """Items in the closed range [lo, hi], at most cap, as one snapshot."""
        if cap == 0:
            return []
        keys = ffi.new("int64_t[]", cap)
        vals = ffi.new("int64_t[]", cap)
        n = lib.bskip_scan_closed(self._m, lo, hi, keys, vals, cap)
        if n < 0:
            raise_for(n, "scan", lib)
        return list(zip(ffi.unpack(keys, n), ffi.unpack(vals, n)))

    def _items_from(self, lo: int, hi: int) -> Iterator[Tuple[int, int]]:
        """Chunked ascending iteration over the closed range [lo, hi] (see module doc)."""
        keys = ffi.new("int64_t[]", ITER_CHUNK)
        vals = ffi.new("int64_t[]", ITER_CHUNK)
        while lo <= hi:
            n = lib.bskip_scan_closed(self._m, lo, hi, keys, vals, ITER_CHUNK)
            if n < 0:
                raise_for(n, "iteration", lib)
            yield from zip(ffi.unpack(keys, n), ffi.unpack(vals, n))
            if n < ITER_CHUNK:
                return
            last = keys[n - 1]
            if last == INT64_MAX:
                return
            lo = last + 1

    def _reverse_items(self, lo: int, hi: int) -> Iterator[Tuple[int, int]]:
        """Descending iteration over [lo, hi], one linearizable floor lookup per item."""
        while hi >= lo:
            e = lib.pyb_floor(self._m, hi)
            if e.rc != OK or e.key < lo:
                return
            yield e.key, e.value
            if e.key == INT64_MIN:
                return
            hi = e.key - 1

    def __iter__(self) -> Iterator[int]:
        """Keys in ascending order (chunked snapshots, see the module doc). O(n) overall."""
        for k, _ in self._items_from(INT64_MIN, INT64_MAX):
            yield k

    def __reversed__(self) -> Iterator[int]:
        """Keys in descending order. O(n log n) overall."""
        for k, _ in self._reverse_items(INT64_MIN, INT64_MAX):
            yield k

    def keys(self) -> KeysView[int]:
        """A view of the keys, in ascending order."""
        return KeysView(self)

    def items(self) -> ItemsView[int, int]:
        """A view of (key, value) pairs in key order; each pair comes from one snapshot."""
        return _ItemsView(self)

    def values(self) -> ValuesView[int]:
        """A view of the values, in key order."""
        return _ValuesView(self)

    def irange(self, minimum: Optional[int] = None, maximum: Optional[int] = None,
               inclusive: Tuple[bool, bool] = (True, True), reverse: bool = False) -> Iterator[int]:
        """Keys between minimum and maximum (None = unbounded), sortedcontainers' signature.

        O(log n + k) ascending, O(k log n) with reverse=True.

        >>> list(SkipMap({1: 0, 2: 0, 3: 0, 4: 0}).irange(2, 4, inclusive=(True, False)))
        [2, 3]
        """
        lo = INT64_MIN if minimum is None else _check_int("minimum", minimum)
        hi = INT64_MAX if maximum is None else _check_int("maximum", maximum)
        if minimum is not None and not inclusive[0]:
            if lo == INT64_MAX:
                return iter(())
            lo += 1
        if maximum is not None and not inclusive[1]:
            if hi == INT64_MIN:
                return iter(())
            hi -= 1
        items = self._reverse_items(lo, hi) if reverse else self._items_from(lo, hi)
        return (k for k, _ in items)

    # ---- batches ------------------------------------------------------------------------------

    def put_many(self, keys: Iterable[int], values: Iterable[int]) -> int:
        """Inserts or replaces keys[i] -> values[i] for every i, in order, in one C call with the
        GIL released. Returns the number of keys that were new. O(n log n).

        Inputs: NumPy integer arrays, int64 buffers (array('q'), bytes), or iterables of int.
        Bad input (TypeError, OverflowError, ValueError for unequal lengths) is detected before
        anything is written: the map is unchanged. For a repeated key the last pair wins. Batches
        of 64+ pairs that are not ascending are sorted in C and applied in key order (much faster:
        one descent per run of keys). On MemoryError the map is valid and `exc.applied` pairs
        were written: a prefix of the order of application (index order for small or ascending
        batches, ascending key order otherwise).

        >>> m = SkipMap(); m.put_many([3, 1, 2], [30, 10, 20]), list(m)
        (3, [1, 2, 3])
        """
        kp, n, keep_k = int64_view(keys, "keys")
        vp, nv, keep_v = int64_view(values, "values")
        if n != nv:
            raise ValueError("put_many: %d keys but %d values" % (n, nv))
        applied = ffi.new("size_t *")
        rc: int = lib.bskip_put_many(self._m, kp, vp, n, applied)
        del keep_k, keep_v
        if rc < 0:
            try:
                raise_for(rc, "put_many", lib)
            except MemoryError as exc:
                exc.applied = applied[0]  # type: ignore[attr-defined]  # documented extra attribute
                raise
        return rc

    @overload
    def get_many(self, keys: npt.NDArray[Any], default: int = 0) -> npt.NDArray[np.int64]: ...

    @overload
    def get_many(self, keys: Iterable[int], default: int = 0) -> array[int]: ...

    @overload
    def get_many(self, keys: Iterable[int], default: None) -> List[Optional[int]]: ...

    def get_many(self, keys: Iterable[int], default: Optional[int] = 0
                 ) -> Union[npt.NDArray[np.int64], array[int], List[Optional[int]]]:
        """The value of every key (default where absent), in one C call with the GIL released.

        Returns a NumPy int64 array when keys is a NumPy array, else an array('q'); with
        default=None, a list holding None where a key is absent. O(n log n).

        >>> SkipMap({1: 10}).get_many([1, 2], -1).tolist()
        [10, -1]
        """
        kp, n, keep = int64_view(keys, "keys")
        fill = 0 if default is None else _check_int("default", default)
        out = array("q", [fill]) * n
        found = ffi.new("uint8_t[]", n) if default is None else ffi.NULL
        rc = lib.bskip_get_many(self._m, kp, ffi.from_buffer("int64_t[]", out), found, n)
        del keep
        if rc < 0:
            raise_for(rc, "get_many", lib)
        if default is None:
            return [v if found[i] else None for i, v in enumerate(out)]
        if is_numpy(keys):
            import numpy as np

            arr: npt.NDArray[np.int64] = np.frombuffer(out, dtype=np.int64).copy()
            return arr
        return out

    def delete_many(self, keys: Iterable[int]) -> int:
        """Deletes every key present, in one C call with the GIL released; returns how many were
        removed. O(n log n).

        >>> m = SkipMap({1: 0, 2: 0}); m.delete_many([2, 3]), list(m)
        (1, [1])
        """
        kp, n, keep = int64_view(keys, "keys")
        rc: int = lib.bskip_delete_many(self._m, kp, n)
        del keep
        if rc < 0:
            raise_for(rc, "delete_many", lib)
        return rc

    @overload
    def update(self, other: _KeysAndGetItem, /) -> None: ...

    @overload
    def update(self, other: Iterable[Tuple[int, int]] = (), /) -> None: ...

    def update(self, other: _Items = (), /, **kwargs: int) -> None:
        """Inserts or replaces every pair of a mapping or iterable of pairs (batched in C).

        >>> m = SkipMap(); m.update({2: 0}); m.update([(1, 1)]); list(m)
        [1, 2]
        """
        if kwargs:
            raise TypeError("SkipMap keys are ints: update() takes no keyword arguments")
        pairs: Iterable[Any]  # (key, value) pairs, checked one by one below
        if isinstance(other, SkipMap):
            pairs = other._items_from(INT64_MIN, INT64_MAX)
        elif isinstance(other, Mapping):
            pairs = other.items()
        elif hasattr(other, "keys"):
            mapping = cast(_KeysAndGetItem, other)
            pairs = ((k, mapping[k]) for k in mapping.keys())
        else:
            pairs = other
        keys, values = array("q"), array("q")
        for pair in pairs:
            try:
                k, v = pair
            except (TypeError, ValueError):
                raise TypeError("update(): expected (key, value) pairs, got %r" % (pair,)) from None
            keys.append(_check_int("key", k))
            values.append(_check_int("value", v))
        self.put_many(keys, values)

    def clear(self) -> None:
        """Removes every key (chunk by chunk: not atomic under concurrent writers). O(n log n)."""
        while True:
            keys = array("q", (k for k, _ in self._snapshot(INT64_MIN, INT64_MAX, ITER_CHUNK)))
            if not keys:
                return
            self.delete_many(keys)

    # ---- introspection ------------------------------------------------------------------------

    def validate(self) -> None:
        """Checks every structural invariant; raises CorruptionError naming the first broken one.

        REQUIRES: no concurrent writer (call it at quiescence, as the tests do). O(n).

        >>> SkipMap({1: 2}).validate()
        """
        msg = ffi.new("char[]", 256)
        rc = lib.bskip_validate(self._m, msg, 256)
        if rc != OK:
            raise CorruptionError(ffi.string(msg).decode("utf-8", "replace"))

    @property
    def node_capacity(self) -> int:
        """Keys per node."""
        n: int = lib.bskip_node_capacity(self._m)
        return n

    @property
    def height(self) -> int:
        """Levels in use."""
        n: int = lib.bskip_height(self._m)
        return n

    def memory_bytes(self) -> int:
        """Bytes held in nodes (walks the map: quiescent use). O(n / capacity)."""
        n: int = lib.bskip_memory_bytes(self._m)
        return n

    def __repr__(self) -> str:
        head = self._snapshot(INT64_MIN, INT64_MAX, 11)
        body = ", ".join("%d: %d" % kv for kv in head[:10])
        if len(head) > 10:
            return "SkipMap({%s, ...}, len=%d)" % (body, len(self))
        return "SkipMap({%s})" % body

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable (typeshed's dict does the same)

    def __reduce__(self) -> Tuple[Type[SkipMap], Tuple[Dict[int, int]]]:
        return (SkipMap, (dict(self.items()),))


class _ItemsView(ItemsView[int, int]):
    """m.items(): iterates the map in chunks (not key by key through m[k], as ItemsView would)."""

    _mapping: SkipMap  # set by MappingView.__init__

    def __init__(self, mapping: SkipMap) -> None:
        super().__init__(mapping)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        return self._mapping._items_from(INT64_MIN, INT64_MAX)

    def __reversed__(self) -> Iterator[Tuple[int, int]]:
        return self._mapping._reverse_items(INT64_MIN, INT64_MAX)


class _ValuesView(ValuesView[int]):
    """m.values(): iterates the map in chunks."""

    _mapping: SkipMap  # set by MappingView.__init__

    def __init__(self, mapping: SkipMap) -> None:
        super().__init__(mapping)

    def __iter__(self) -> Iterator[int]:
        return (v for _, v in self._mapping._items_from(INT64_MIN, INT64_MAX))
