"""test_skipmap_vs_sorteddict.py — SkipMap and sortedcontainers.SortedDict driven with the same calls.

What is generated (Hypothesis stateful): sequences of the SortedDict surface SkipMap implements —
point calls, setdefault, pop/popitem(i) for any i, peekitem(i), bisect_left/right/bisect,
index(key, start, stop), islice(start, stop, reverse), irange(..., inclusive, reverse), the three
views indexed, sliced (any step), reversed, index()ed and count()ed, set operations on keys,
copy, fromkeys, |, |=, ==, update — over a small key range (so keys collide, positions move and
nodes of 256 bytes split and merge) and positions including out-of-range and negative ones.
What is checked: each call returns the same value on both, or raises the same exception type
(IndexError, KeyError, ValueError); views, iterators, SortedSets and maps are compared as lists.
After every step the map validates and equals the SortedDict.
Deviations kept out of the comparison (documented in README, "SortedDict compatibility"): values
are ints (setdefault(k) with no default on an absent key, fromkeys's default value), and set
operations on items() return a plain set.
"""
from typing import Any, Callable

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sortedcontainers import SortedDict, SortedSet

from pybskip import SkipMap

KEYS = st.integers(-40, 40)
VALUES = st.integers(-5, 5)
POSITIONS = st.integers(-60, 60)
BOUNDS = st.one_of(st.none(), POSITIONS)


def _canon(x: Any) -> Any:
    """Views, iterators, sorted sets and maps as lists; other values as they are."""
    if isinstance(x, (SkipMap, SortedDict)):
        return ("map", list(x.items()))
    if isinstance(x, (str, int, tuple, type(None), bool)):
        return x
    if isinstance(x, (list, SortedSet)) or hasattr(x, "__iter__"):
        return list(x)
    return x


def _outcome(fn: Callable[[], Any]) -> Any:
    try:
        return ("ok", _canon(fn()))
    except (IndexError, KeyError, ValueError) as exc:
        return ("raises", type(exc).__name__)


class VersusSortedDict(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.m = SkipMap(node_bytes=256, seed=3)
        self.d = SortedDict()

    def same(self, call: Callable[[Any], Any]) -> None:
        ours, theirs = _outcome(lambda: call(self.m)), _outcome(lambda: call(self.d))
        assert ours == theirs, (ours, theirs)

    @rule(k=KEYS, v=VALUES)
    def setitem(self, k: int, v: int) -> None:
        self.same(lambda m: m.__setitem__(k, v))

    @rule(ks=st.lists(KEYS, max_size=30), v=VALUES)
    def bulk(self, ks: list, v: int) -> None:
        self.same(lambda m: m.update({k: v + k for k in ks}))

    @rule(k=KEYS)
    def point_reads(self, k: int) -> None:
        for call in (lambda m: m[k], lambda m: k in m, lambda m: m.get(k), lambda m: m.get(k, 9)):
            self.same(call)

    @rule(k=KEYS)
    def delitem(self, k: int) -> None:
        self.same(lambda m: m.__delitem__(k))

    @rule(k=KEYS, default=st.one_of(st.none(), VALUES))
    def pop(self, k: int, default: Any) -> None:
        self.same(lambda m: m.pop(k) if default is None else m.pop(k, default))

    @rule(k=KEYS, v=VALUES)
    def setdefault(self, k: int, v: int) -> None:
        self.same(lambda m: m.setdefault(k, v))

    @rule(i=st.one_of(st.none(), POSITIONS))
    def popitem(self, i: Any) -> None:
        self.same(lambda m: m.popitem() if i is None else m.popitem(i))

    @rule(i=POSITIONS)
    def positions(self, i: int) -> None:
        for call in (lambda m: m.peekitem(i), lambda m: m.keys()[i], lambda m: m.values()[i],
                     lambda m: m.items()[i]):
            self.same(call)

    @rule(k=KEYS, start=BOUNDS, stop=BOUNDS)
    def bisect_and_index(self, k: int, start: Any, stop: Any) -> None:
        for call in (lambda m: m.bisect_left(k), lambda m: m.bisect_right(k), lambda m: m.bisect(k),
                     lambda m: m.index(k), lambda m: m.index(k, start, stop),
                     lambda m: m.keys().index(k), lambda m: m.keys().count(k),
                     lambda m: m.values().count(k % 6), lambda m: m.values().index(k % 6),
                     lambda m: m.items().index((k, k % 6)), lambda m: (k, k % 6) in m.items()):
            self.same(call)

    @rule(start=BOUNDS, stop=BOUNDS, reverse=st.booleans())
    def islice(self, start: Any, stop: Any, reverse: bool) -> None:
        self.same(lambda m: m.islice(start, stop, reverse=reverse))

    @rule(start=BOUNDS, stop=BOUNDS, step=st.sampled_from([None, 1, 2, -1, -3]))
    def slices(self, start: Any, stop: Any, step: Any) -> None:
        s = slice(start, stop, step)
        for call in (lambda m: m.keys()[s], lambda m: m.values()[s], lambda m: m.items()[s]):
            self.same(call)

    @rule(lo=st.one_of(st.none(), KEYS), hi=st.one_of(st.none(), KEYS),
          inclusive=st.tuples(st.booleans(), st.booleans()), reverse=st.booleans())
    def irange(self, lo: Any, hi: Any, inclusive: tuple, reverse: bool) -> None:
        self.same(lambda m: m.irange(lo, hi, inclusive=inclusive, reverse=reverse))

    @rule()
    def reversed_views(self) -> None:
        for call in (lambda m: reversed(m), lambda m: reversed(m.keys()),
                     lambda m: reversed(m.values()), lambda m: reversed(m.items()),
                     lambda m: len(m.items()), lambda m: len(m.keys())):
            self.same(call)

    @rule(other=st.sets(KEYS, max_size=8))
    def key_set_operations(self, other: set) -> None:
        for call in (lambda m: m.keys() | other, lambda m: m.keys() & other,
                     lambda m: m.keys() - other, lambda m: m.keys() ^ other,
                     lambda m: m.keys() == set(m.keys()), lambda m: m.keys().isdisjoint(other)):
            self.same(call)

    @rule(other=st.dictionaries(KEYS, VALUES, max_size=8))
    def unions_and_copies(self, other: dict) -> None:
        for call in (lambda m: m | other, lambda m: other | m, lambda m: m.copy(),
                     lambda m: m == dict(m.items()), lambda m: m == other,
                     lambda m: type(m).fromkeys(other, 1)):
            self.same(call)
        self.same(lambda m: m.__ior__(other))

    @invariant()
    def agree(self) -> None:
        assert list(self.m.items()) == list(self.d.items())
        assert len(self.m) == len(self.d)
        self.m.validate()


VersusSortedDict.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
TestVersusSortedDict = VersusSortedDict.TestCase
