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
    inserted or deleted during the iteration may or may not be. Reverse iteration has the same
    guarantees (descending chunks, bskip_scan_desc). Chunks start small and grow (32 keys, then
    x4 up to ITER_CHUNK), so reading the first few keys costs little. Modifying the map while
    iterating is allowed.
  - positional calls (`peekitem(i)`, `index`, `bisect_*`, `keys()[i]`) are each one linearizable
    read (bskip_select / bskip_rank: a two-phase read of level 0 from its head). Calls made of
    several reads are not atomic: `popitem(i)` removes the key that was at position i when it
    looked (it retries if another thread removed that key first); `islice` and view slices find
    their first key by position, then iterate in chunks; `copy()`, `|`, pickling read the map by
    chunked iteration.
  - batch calls (put_many, get_many, delete_many) apply their elements in order, each element
    linearizable on its own; a batch is not atomic.
Invariant: `_m` owns one bskip, freed when the SkipMap is garbage-collected.
"""
from __future__ import annotations

from array import array
from collections.abc import MutableMapping
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Literal, Mapping, Optional,
                    Protocol, Tuple, TypeVar, Union, cast, overload)

from ._bskip_cffi import ffi, lib
from ._buffers import INT64_MAX, INT64_MIN, int64_view, is_numpy
from ._errors import CorruptionError, raise_for
from ._views import SortedItemsView, SortedKeysView, SortedValuesView

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_T = TypeVar("_T")
_MISSING: Any = object()
ITER_CHUNK = 1024  # the largest chunk iteration reads in one C call
_FIRST_CHUNK = 32  # the first chunk of an iteration (then x4 up to ITER_CHUNK)


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
            return value if type(value) is int else int(value)  # bool and int subclasses: int
        raise _bad_int(what, value, OverflowError())
    try:
        value = value.__index__()  # NumPy integers and other exact ints
    except AttributeError:
        raise TypeError("%s must be an int, got %s" % (what, type(value).__name__)) from None
    return _check_int(what, value)


_Part = Literal["items", "keys", "values"]


def _unpack(keys: Any, vals: Any, n: int, part: _Part) -> Iterable[Any]:
    """The first n entries of C key/value buffers as what `part` names (a list or a zip)."""
    if part == "keys":
        ks: List[int] = ffi.unpack(keys, n)
        return ks
    if part == "values":
        vs: List[int] = ffi.unpack(vals, n)
        return vs
    return zip(ffi.unpack(keys, n), ffi.unpack(vals, n))


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

    __slots__ = ("_m", "_opts", "__weakref__")

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
        self._opts: Dict[str, Any] = {"node_bytes": node_bytes, "promote_prob": promote_prob, "seed": seed}
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
        try:
            v: int = lib.pyb_get_value(self._m, key)
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None
        if v != INT64_MIN:  # the fast path: present, one C call returning an int64
            return v
        r = lib.pyb_get(self._m, key)  # absent, or the value is INT64_MIN: ask once more, exactly
        if r.rc == 0:  # OK
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
        if rc < 0:  # only an error: INSERTED and REPLACED are positive
            raise_for(rc, "m[%r] = %r" % (key, value), lib)

    def __delitem__(self, key: int) -> None:
        """``del m[key]``; KeyError if absent. O(log n)."""
        try:
            rc = lib.bskip_delete(self._m, key, ffi.NULL)
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None
        if rc != 0:  # OK
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        """``key in m``. A non-int or out-of-range key is simply not in the map. O(log n)."""
        try:
            found: bool = lib.bskip_get(self._m, key, ffi.NULL) == 0  # OK
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
        try:
            v: int = lib.pyb_get_value(self._m, key)  # as m[key]: the int64 fast path first
        except (TypeError, OverflowError) as exc:
            raise _bad_int("key", key, exc) from None
        if v != INT64_MIN:
            return v
        r = lib.pyb_get(self._m, key)
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

    def setdefault(self, key: int, default: Optional[int] = None) -> int:
        """Atomically: the value of key if present, else insert default and return it. O(log n).

        As MutableMapping.setdefault, whose default is None: values are ints here, so an absent
        key with no int default raises TypeError (and inserts nothing), where a dict would
        insert None.

        >>> m = SkipMap(); m.setdefault(1, 5), m.setdefault(1, 7), m.setdefault(1)
        (5, 5, 5)
        """
        if default is None:
            r = self._lookup(key)
            if r.rc == OK:
                found: int = r.value
                return found
            raise TypeError("setdefault(%r): the key is absent and SkipMap values are ints: "
                            "pass an int default" % (key,))
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

    # ---- positions --------------------------------------------------------------------------

    def _select(self, index: int, what: str) -> Tuple[int, int]:
        """(key, value) at position index (negative from the end): one bskip_select."""
        try:
            e = lib.pyb_select(self._m, index)
        except (TypeError, OverflowError) as exc:
            raise _bad_int(what, index, exc) from None
        if e.rc == OK:
            return e.key, e.value
        if e.rc == NOT_FOUND:
            raise IndexError("SkipMap index %d out of range" % index)
        raise_for(e.rc, what, lib)
        raise AssertionError("unreachable")  # raise_for always raises for an error code

    def _rank(self, key: int, what: str) -> Tuple[int, bool]:
        """(number of keys < key, key present): one bskip_rank."""
        try:
            r = lib.pyb_rank(self._m, key)
        except (TypeError, OverflowError) as exc:
            raise _bad_int(what, key, exc) from None
        if r.rc < 0:
            raise_for(r.rc, what, lib)
        return int(r.value), r.rc == OK

    def peekitem(self, index: int = -1) -> Tuple[int, int]:
        """The (key, value) at position index (0 first, -1 last); IndexError if out of range.

        One linearizable read. O(log n) for 0 and -1; otherwise O(|index| / B) node visits for
        index >= 0 and O(n / B) for index < 0 (B: keys per node, 60-127 at the default size).

        >>> SkipMap({1: 10, 2: 20, 3: 30}).peekitem(), SkipMap({1: 10, 2: 20}).peekitem(1)
        ((3, 30), (2, 20))
        """
        index = _check_int("index", index)
        if index == 0 or index == -1:
            e = self._entry(lib.pyb_ceiling if index == 0 else lib.pyb_floor,
                            INT64_MIN if index == 0 else INT64_MAX, "key")
            if e is None:
                raise IndexError("peekitem on an empty SkipMap")
            return e
        return self._select(index, "index")

    def popitem(self, index: int = -1) -> Tuple[int, int]:
        """Removes and returns the item at position index (default the last); KeyError if the
        map is empty, IndexError if index is out of range.

        The key is found by position, then deleted; if another thread deleted it in between,
        it looks again, so under concurrent pops each item is returned to exactly one caller.
        Cost: peekitem(index) + O(log n).

        >>> m = SkipMap({1: 10, 2: 20, 3: 30}); m.popitem(), m.popitem(0), list(m)
        ((3, 30), (1, 10), [2])
        """
        index = _check_int("index", index)
        while True:
            try:
                key = self.peekitem(index)[0]
            except IndexError:
                if len(self) == 0:
                    raise KeyError("popitem(): SkipMap is empty") from None
                raise
            r = lib.pyb_delete(self._m, key)
            if r.rc == OK:  # otherwise another thread took it first: look again
                return key, r.value

    def bisect_left(self, key: int) -> int:
        """The number of keys < key (where key would be inserted, before an equal key).
        One linearizable read, O(rank / B) node visits.

        >>> SkipMap({1: 0, 3: 0}).bisect_left(3)
        1
        """
        return self._rank(key, "key")[0]

    def bisect_right(self, key: int) -> int:
        """The number of keys <= key. One linearizable read, O(rank / B).

        >>> SkipMap({1: 0, 3: 0}).bisect_right(3), SkipMap({1: 0, 3: 0}).bisect(2)
        (2, 1)
        """
        rank, present = self._rank(key, "key")
        return rank + present

    bisect = bisect_right

    def index(self, key: int, start: Optional[int] = None, stop: Optional[int] = None) -> int:
        """The position of key; ValueError if it is absent or its position is outside
        [start, stop) (slice semantics, negative from the end). One bskip_rank, O(rank / B).

        >>> SkipMap({1: 0, 3: 0, 5: 0}).index(5)
        2
        """
        rank, present = self._rank(_check_int("key", key), "key")
        if not present:
            raise ValueError("%r is not in SkipMap" % (key,))
        if start is not None or stop is not None:
            lo, hi, _ = slice(start, stop).indices(len(self))
            if not lo <= rank < hi:
                raise ValueError("%r is not in SkipMap[%s:%s]" % (key, start, stop))
        return rank

    def _islice_items(self, lo: int, hi: int) -> Iterator[Tuple[int, int]]:
        """Items at positions lo..hi-1 (resolved, 0 <= lo): the first by position (bskip_select),
        the rest by chunked iteration from it."""
        if lo >= hi:
            return
        try:
            first = self._select(lo, "islice start")[0]
        except IndexError:
            return
        yield from self._items_from(first, INT64_MAX, hi - lo)

    def _slice_items(self, slc: slice) -> List[Tuple[int, int]]:
        """view[a:b:c] as a list of items (a view slice, islice)."""
        positions = range(*slc.indices(len(self)))
        if not positions:
            return []
        lo, hi = min(positions), max(positions) + 1
        items = list(self._islice_items(lo, hi))
        return [items[i - lo] for i in positions if i - lo < len(items)]

    def islice(self, start: Optional[int] = None, stop: Optional[int] = None,
               reverse: bool = False) -> Iterator[int]:
        """Keys at positions [start, stop) (slice semantics), ascending or, with reverse=True,
        descending; sortedcontainers' signature. O(start / B + k).

        >>> list(SkipMap.fromkeys(range(10)).islice(2, 5)), list(SkipMap.fromkeys(range(10)).islice(-2, reverse=True))
        ([2, 3, 4], [9, 8])
        """
        lo, hi, _ = slice(start, stop).indices(len(self))
        keys = [k for k, _ in self._islice_items(lo, hi)]
        return reversed(keys) if reverse else iter(keys)

    # ---- ranges and iteration -----------------------------------------------------------------

    def scan(self, lo: Optional[int] = None, hi: Optional[int] = None,
             limit: Optional[int] = None) -> List[Tuple[int, int]]:
        """The items with lo <= key < hi (None = unbounded), ascending, at most `limit` of them,
        as ONE linearizable snapshot. O(log n + k).

        >>> SkipMap({1: 1, 2: 2, 3: 3}).scan(2)
        [(2, 2), (3, 3)]
        """
        lo_ = INT64_MIN if lo is None else _check_int("lo", lo)
        if hi is None:
            hi_ = INT64_MAX
        else:
            hi_ = _check_int("hi", hi) - 1  # closed upper bound
            if hi_ < lo_:
                if hi_ + 1 < lo_:
                    raise ValueError("scan: lo %d > hi %d" % (lo_, hi_ + 1))
                return []
        if limit is not None:
            limit = _check_int("limit", limit)
            if limit < 0:
                raise ValueError("scan: limit must be >= 0, got %d" % limit)
        # The buffer is sized by the request: it starts small and grows x8; a snapshot that filled
        # its buffer below the limit may have missed keys, so it is taken again, larger (the
        # retries cost at most 1/7 of the last one).
        cap = 16
        while True:
            if limit is not None and cap >= limit:
                return self._snapshot(lo_, hi_, limit)
            items = self._snapshot(lo_, hi_, cap)
            if len(items) < cap:
                return items
            cap *= 8

    def _snapshot(self, lo: int, hi: int, cap: int) -> List[Tuple[int, int]]:
        """Items in the closed range [lo, hi], at most cap, as one snapshot."""
        if cap == 0:
            return []
        buf = ffi.new("int64_t[]", 2 * cap)  # keys, then values: one allocation per call
        vals = buf + cap
        n = lib.bskip_scan_closed(self._m, lo, hi, buf, vals, cap)
        if n < 0:
            raise_for(n, "scan", lib)
        return list(_unpack(buf, vals, n, "items"))

    def _items_from(self, lo: int, hi: int, limit: Optional[int] = None,
                    part: _Part = "items") -> Iterator[Any]:
        """Chunked ascending iteration over the closed range [lo, hi], at most `limit` items (see
        the module doc): (key, value) pairs, or with part="keys"/"values" only those (read from C
        alone, no pairs built). Chunks grow from _FIRST_CHUNK to ITER_CHUNK."""
        chunk = _FIRST_CHUNK
        keys = ffi.new("int64_t[]", ITER_CHUNK)
        vals = ffi.new("int64_t[]", ITER_CHUNK) if part != "keys" else ffi.NULL
        left = INT64_MAX if limit is None else limit
        while lo <= hi and left > 0:
            want = min(chunk, left)
            n = lib.bskip_scan_closed(self._m, lo, hi, keys, vals, want)
            if n < 0:
                raise_for(n, "iteration", lib)
            yield from _unpack(keys, vals, n, part)
            left -= n
            if n < want:
                return
            last = keys[n - 1]
            if last == INT64_MAX:
                return
            lo = last + 1
            chunk = min(chunk * 4, ITER_CHUNK)

    def _reverse_items(self, lo: int, hi: int, part: _Part = "items") -> Iterator[Any]:
        """Chunked descending iteration over the closed range [lo, hi] (part as _items_from):
        each chunk one snapshot of the greatest keys left (bskip_scan_desc), same guarantees as
        ascending iteration."""
        chunk = _FIRST_CHUNK
        keys = ffi.new("int64_t[]", ITER_CHUNK)
        vals = ffi.new("int64_t[]", ITER_CHUNK) if part != "keys" else ffi.NULL
        while lo <= hi:
            n = lib.bskip_scan_desc(self._m, lo, hi, keys, vals, chunk)
            if n < 0:
                raise_for(n, "reverse iteration", lib)
            yield from _unpack(keys, vals, n, part)
            if n < chunk:
                return
            last = keys[n - 1]
            if last == INT64_MIN:
                return
            hi = last - 1
            chunk = min(chunk * 4, ITER_CHUNK)

    def __iter__(self) -> Iterator[int]:
        """Keys in ascending order (chunked snapshots, see the module doc). O(n) overall."""
        return self._items_from(INT64_MIN, INT64_MAX, part="keys")

    def __reversed__(self) -> Iterator[int]:
        """Keys in descending order (chunked snapshots, as iteration). O(n) overall."""
        return self._reverse_items(INT64_MIN, INT64_MAX, part="keys")

    def keys(self) -> SortedKeysView:
        """A sorted view of the keys: a Set and a Sequence (index, slice, reversed, index())."""
        return SortedKeysView(self)

    def items(self) -> SortedItemsView:
        """A sorted view of (key, value) pairs: a Set and a Sequence."""
        return SortedItemsView(self)

    def values(self) -> SortedValuesView:
        """A view of the values in key order: a Sequence."""
        return SortedValuesView(self)

    def irange(self, minimum: Optional[int] = None, maximum: Optional[int] = None,
               inclusive: Tuple[bool, bool] = (True, True), reverse: bool = False) -> Iterator[int]:
        """Keys between minimum and maximum (None = unbounded), sortedcontainers' signature.

        O(log n + k) either way (descending: chunks of bskip_scan_desc).

        >>> list(SkipMap({1: 0, 2: 0, 3: 0, 4: 0}).irange(2, 4, inclusive=(True, False)))
        [2, 3]
        >>> list(SkipMap({1: 0, 2: 0, 3: 0}).irange(2, reverse=True))
        [3, 2]
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
        if reverse:
            return self._reverse_items(lo, hi, part="keys")
        return self._items_from(lo, hi, part="keys")

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
        out: Any  # the result C writes into: a NumPy array for NumPy keys, else an array('q')
        if is_numpy(keys) and default is not None:
            import numpy as np

            out = np.full(n, fill, dtype=np.int64)
        else:
            out = array("q", [fill]) * n
        found = ffi.new("uint8_t[]", n) if default is None else ffi.NULL
        rc = lib.bskip_get_many(self._m, kp, ffi.from_buffer("int64_t[]", out), found, n)
        del keep
        if rc < 0:
            raise_for(rc, "get_many", lib)
        if default is None:
            return [v if found[i] else None for i, v in enumerate(out)]
        result: Union[npt.NDArray[np.int64], array[int]] = out
        return result

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

    # ---- copies and unions ---------------------------------------------------------------------

    def copy(self) -> "SkipMap":
        """A new SkipMap with the same items and options (node_bytes, promote_prob, seed).
        Read by chunked iteration: not one snapshot under concurrent writers. O(n log n).

        >>> m = SkipMap({1: 2}, node_bytes=512); c = m.copy(); c[3] = 4; list(m), list(c)
        ([1], [1, 3])
        """
        new = SkipMap(**self._opts)
        new.update(self)
        return new

    __copy__ = copy

    @classmethod
    def fromkeys(cls, iterable: Iterable[int], value: int = 0) -> "SkipMap":
        """A new SkipMap mapping every key of iterable to value. The default value is 0, not
        None as for dict.fromkeys: values are ints. O(n log n).

        >>> list(SkipMap.fromkeys([3, 1], 7).items())
        [(1, 7), (3, 7)]
        """
        keys = array("q", (_check_int("key", k) for k in iterable))
        value = _check_int("value", value)
        new = cls()
        new.put_many(keys, array("q", [value]) * len(keys))
        return new

    def __or__(self, other: Any) -> "SkipMap":
        """``m | other``: a copy of m updated with other (a mapping), as dict's `|`.

        >>> list((SkipMap({1: 1}) | {2: 2}).items())
        [(1, 1), (2, 2)]
        """
        if not isinstance(other, Mapping):
            return NotImplemented
        new = self.copy()
        new.update(other)
        return new

    def __ror__(self, other: Any) -> "SkipMap":
        """``dict | m``: a SkipMap (with m's options) of other's items updated with m's."""
        if not isinstance(other, Mapping):
            return NotImplemented
        new = SkipMap(**self._opts)
        new.update(other)
        new.update(self)
        return new

    def __ior__(self, other: Any) -> "SkipMap":
        """``m |= other``: update in place (a mapping or (key, value) pairs)."""
        self.update(other)
        return self

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

    def __reduce__(self) -> Tuple[Callable[..., SkipMap], Tuple[Dict[str, Any], array[int], array[int]]]:
        """Pickles the options and the items (as int64 arrays) read by chunked iteration."""
        keys, values = array("q"), array("q")
        for k, v in self._items_from(INT64_MIN, INT64_MAX):
            keys.append(k)
            values.append(v)
        return (_unpickle, (dict(self._opts), keys, values))


def _unpickle(opts: Dict[str, Any], keys: array[int], values: array[int]) -> SkipMap:
    """Rebuilds a pickled SkipMap: its options, then its items in one put_many."""
    m = SkipMap(**opts)
    m.put_many(keys, values)
    return m
