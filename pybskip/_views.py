"""_views.py — SkipMap.keys() / values() / items(): sorted sequence views, as sortedcontainers'.

Each view is a live window on its map (no copy): iteration reads the map in chunks (the module doc
of skipmap.py says what a concurrent writer may make you see), `view[i]` is one linearizable
positional lookup (bskip_select), a slice is a list read by `SkipMap.islice`, `reversed(view)`
reads descending chunks (bskip_scan_desc), `keys().index(k)` is one bskip_rank. Set operations on
keys return a keys view of a new SkipMap (sorted, as SortedDict's SortedSet results are); on items
they return a plain set (a documented difference: see README, "SortedDict compatibility").
Invariant: a view holds only a reference to its map; every read goes to the map.
"""
from __future__ import annotations

from collections.abc import ItemsView, KeysView, Sequence, ValuesView
from typing import TYPE_CHECKING, Any, Iterable, Iterator, List, Optional, Tuple, Union, overload

from ._buffers import INT64_MAX, INT64_MIN

if TYPE_CHECKING:
    from .skipmap import SkipMap


def _position(index: Any) -> int:
    """index as an int (TypeError for a non-int, as list does)."""
    if not isinstance(index, int):
        try:
            return int(index.__index__())
        except AttributeError:
            raise TypeError("view indices must be integers or slices, not %s"
                            % type(index).__name__) from None
    return index


class SortedKeysView(KeysView[int], Sequence[int]):
    """m.keys(): the keys in ascending order, a Set and a Sequence.

    >>> from pybskip import SkipMap
    >>> k = SkipMap({1: 0, 3: 0, 5: 0}).keys()
    >>> k[0], k[-1], k[1:], list(reversed(k)), k.index(3), k | {4}
    (1, 5, [3, 5], [5, 3, 1], 1, SortedKeysView([1, 3, 4, 5]))
    """

    _mapping: "SkipMap"

    def __init__(self, mapping: "SkipMap") -> None:
        super().__init__(mapping)

    def __iter__(self) -> Iterator[int]:
        return self._mapping._items_from(INT64_MIN, INT64_MAX, part="keys")

    def __reversed__(self) -> Iterator[int]:
        return self._mapping._reverse_items(INT64_MIN, INT64_MAX, part="keys")

    def __contains__(self, key: object) -> bool:
        return key in self._mapping

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> List[int]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[int, List[int]]:
        """keys()[i]: the i-th key (negative from the end), O(|i| / B) node visits; a slice: a
        list, O(log n + k)."""
        if isinstance(index, slice):
            return [k for k, _ in self._mapping._slice_items(index)]
        return self._mapping._select(_position(index), "keys() index")[0]

    def index(self, value: Any, start: Optional[int] = None, stop: Optional[int] = None) -> int:
        """Position of key `value` (within [start, stop)); ValueError if absent. O(rank / B)."""
        return self._mapping.index(value, start, stop)

    def count(self, value: Any) -> int:
        """1 if value is a key, else 0. O(log n)."""
        return 1 if value in self._mapping else 0

    # typeshed types KeysView's set operations as returning a set; ours return a sorted view
    @classmethod
    def _from_iterable(cls, it: Iterable[Any]) -> "SortedKeysView":  # type: ignore[override]
        """Set operations (| & - ^) build a new sorted set of int64 keys: a SkipMap's keys."""
        from .skipmap import SkipMap

        return SkipMap.fromkeys(it).keys()

    def __repr__(self) -> str:
        return "SortedKeysView(%r)" % (list(self),)


class SortedValuesView(ValuesView[int], Sequence[int]):
    """m.values(): the values in key order, a Sequence.

    >>> from pybskip import SkipMap
    >>> v = SkipMap({1: 10, 3: 30}).values()
    >>> v[-1], list(reversed(v)), v.index(30), v.count(10)
    (30, [30, 10], 1, 1)
    """

    _mapping: "SkipMap"

    def __init__(self, mapping: "SkipMap") -> None:
        super().__init__(mapping)

    def __iter__(self) -> Iterator[int]:
        return self._mapping._items_from(INT64_MIN, INT64_MAX, part="values")

    def __reversed__(self) -> Iterator[int]:
        return self._mapping._reverse_items(INT64_MIN, INT64_MAX, part="values")

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> List[int]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[int, List[int]]:
        """values()[i]: the value of the i-th key, O(|i| / B); a slice: a list."""
        if isinstance(index, slice):
            return [v for _, v in self._mapping._slice_items(index)]
        return self._mapping._select(_position(index), "values() index")[1]

    def index(self, value: Any, start: Optional[int] = None, stop: Optional[int] = None) -> int:
        """First position of value (within [start, stop)); ValueError if absent. O(n): a scan."""
        lo, hi, _ = slice(start, stop).indices(len(self._mapping))
        for i, (_, v) in enumerate(self._mapping._islice_items(lo, hi), lo):
            if v == value:
                return i
        raise ValueError("%r is not in view" % (value,))

    def count(self, value: Any) -> int:
        """How many keys have this value. O(n)."""
        return sum(1 for v in self if v == value)

    def __repr__(self) -> str:
        return "SortedValuesView(%r)" % (list(self),)


class SortedItemsView(ItemsView[int, int], Sequence[Tuple[int, int]]):
    """m.items(): (key, value) pairs in key order, a Set and a Sequence.

    >>> from pybskip import SkipMap
    >>> it = SkipMap({1: 10, 3: 30}).items()
    >>> it[0], it[::-1], (3, 30) in it, it.index((3, 30))
    ((1, 10), [(3, 30), (1, 10)], True, 1)
    """

    _mapping: "SkipMap"

    def __init__(self, mapping: "SkipMap") -> None:
        super().__init__(mapping)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        return self._mapping._items_from(INT64_MIN, INT64_MAX)

    def __contains__(self, item: object) -> bool:
        """(key, value) in items(): one lookup of key. O(log n)."""
        pair: Any = item
        try:
            key, value = pair
            got = self._mapping.get(key)  # one linearizable lookup
        except (TypeError, ValueError, OverflowError):  # not a pair, or not an int64 key
            return False
        return got is not None and got == value

    def __reversed__(self) -> Iterator[Tuple[int, int]]:
        return self._mapping._reverse_items(INT64_MIN, INT64_MAX)

    @overload
    def __getitem__(self, index: int) -> Tuple[int, int]: ...

    @overload
    def __getitem__(self, index: slice) -> List[Tuple[int, int]]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[Tuple[int, int], List[Tuple[int, int]]]:
        """items()[i]: the i-th pair, O(|i| / B); a slice: a list."""
        if isinstance(index, slice):
            return self._mapping._slice_items(index)
        return self._mapping._select(_position(index), "items() index")

    def index(self, value: Any, start: Optional[int] = None, stop: Optional[int] = None) -> int:
        """Position of the pair; ValueError if absent. O(rank / B)."""
        try:
            key, val = value
        except (TypeError, ValueError):
            raise ValueError("%r is not in view" % (value,)) from None
        pos = self._mapping.index(key, start, stop)  # ValueError when the key is absent
        if self._mapping.get(key) != val:
            raise ValueError("%r is not in view" % (value,))
        return pos

    def count(self, value: Any) -> int:
        """1 if the pair is in the map, else 0. O(log n)."""
        return 1 if value in self else 0

    def __repr__(self) -> str:
        return "SortedItemsView(%r)" % (list(self),)
