"""test_skipmap_stateful.py — SkipMap against a dict + sorted-keys model, driven by Hypothesis.

What is generated: sequences of every public SkipMap operation (set, get, del, in, pop, popitem,
setdefault, update, put_many/get_many/delete_many, floor/ceiling/lower/higher, peekitem, irange
with every inclusive/reverse combination, scan with limits, iteration, clear) over keys drawn from
a small set that includes INT64_MIN and INT64_MAX, so keys collide and extremes are exercised.
What is checked: every result equals the model's, and after every step len() matches and
validate() passes (the structural invariants of core_c). Tiny nodes (256 B) make splits and
merges happen within a few operations.
Why a bug cannot hide: each method is compared with an independent Python implementation on
every call, and Hypothesis shrinks any disagreement to a minimal sequence.
"""
import bisect

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pybskip import SkipMap

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
keys = st.one_of(st.integers(-40, 40), st.sampled_from([INT64_MIN, INT64_MIN + 1, INT64_MAX - 1, INT64_MAX]))
values = st.integers(INT64_MIN, INT64_MAX)


class SkipMapMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.m = SkipMap(node_bytes=256, seed=7)
        self.model = {}

    def sorted_keys(self):
        return sorted(self.model)

    @rule(k=keys, v=values)
    def set(self, k, v):
        self.m[k] = v
        self.model[k] = v

    @rule(k=keys)
    def get(self, k):
        assert self.m.get(k, "absent") == self.model.get(k, "absent")
        assert (k in self.m) == (k in self.model)
        if k in self.model:
            assert self.m[k] == self.model[k]

    @rule(k=keys)
    def delete(self, k):
        if k in self.model:
            del self.m[k]
            del self.model[k]
        else:
            try:
                del self.m[k]
            except KeyError:
                pass
            else:
                raise AssertionError("del of an absent key did not raise KeyError")

    @rule(k=keys)
    def pop(self, k):
        assert self.m.pop(k, None) == self.model.pop(k, None)

    @rule(index=st.sampled_from([0, -1]))
    def popitem(self, index):
        if not self.model:
            try:
                self.m.popitem(index)
            except KeyError:
                return
            raise AssertionError("popitem on empty map did not raise")
        k = self.sorted_keys()[index]
        assert self.m.popitem(index) == (k, self.model.pop(k))

    @rule(k=keys, v=values)
    def setdefault(self, k, v):
        assert self.m.setdefault(k, v) == self.model.setdefault(k, v)

    @rule(pairs=st.lists(st.tuples(keys, values), max_size=20))
    def update(self, pairs):
        self.m.update(pairs)
        self.model.update(pairs)

    @rule(pairs=st.lists(st.tuples(keys, values), max_size=30))
    def put_many(self, pairs):
        ks = [k for k, _ in pairs]
        vs = [v for _, v in pairs]
        new = len(set(ks) - set(self.model))
        assert self.m.put_many(ks, vs) == new
        self.model.update(pairs)

    @rule(ks=st.lists(keys, max_size=20), default=st.integers(-5, 5))
    def get_many(self, ks, default):
        assert list(self.m.get_many(ks, default)) == [self.model.get(k, default) for k in ks]
        assert self.m.get_many(ks, None) == [self.model.get(k) for k in ks]

    @rule(ks=st.lists(keys, max_size=20))
    def delete_many(self, ks):
        removed = 0
        for k in ks:
            if k in self.model:
                del self.model[k]
                removed += 1
        assert self.m.delete_many(ks) == removed

    @rule(k=keys)
    def navigation(self, k):
        sk = self.sorted_keys()
        i = bisect.bisect_right(sk, k)
        assert self.m.floor_key(k) == (sk[i - 1] if i else None)
        j = bisect.bisect_left(sk, k)
        assert self.m.ceiling_key(k) == (sk[j] if j < len(sk) else None)
        assert self.m.lower_key(k) == (sk[j - 1] if j else None)
        assert self.m.higher_key(k) == (sk[i] if i < len(sk) else None)

    @rule(index=st.integers(-6, 5))
    def peekitem(self, index):
        sk = self.sorted_keys()
        if -len(sk) <= index < len(sk):
            assert self.m.peekitem(index) == (sk[index], self.model[sk[index]])
        else:
            try:
                self.m.peekitem(index)
            except IndexError:
                return
            raise AssertionError("peekitem out of range did not raise IndexError")

    @rule(lo=st.one_of(st.none(), keys), hi=st.one_of(st.none(), keys),
          inclusive=st.tuples(st.booleans(), st.booleans()), reverse=st.booleans())
    def irange(self, lo, hi, inclusive, reverse):
        def inside(k):
            if lo is not None and (k < lo or (k == lo and not inclusive[0])):
                return False
            if hi is not None and (k > hi or (k == hi and not inclusive[1])):
                return False
            return True

        want = [k for k in self.sorted_keys() if inside(k)]
        got = list(self.m.irange(lo, hi, inclusive=inclusive, reverse=reverse))
        assert got == (want[::-1] if reverse else want)

    @rule(lo=st.one_of(st.none(), keys), hi=st.one_of(st.none(), keys),
          limit=st.one_of(st.none(), st.integers(0, 6)))
    def scan(self, lo, hi, limit):
        if lo is not None and hi is not None and lo > hi:
            try:
                self.m.scan(lo, hi, limit)
            except ValueError:
                return
            raise AssertionError("scan with lo > hi did not raise ValueError")
        want = [(k, self.model[k]) for k in self.sorted_keys()
                if (lo is None or k >= lo) and (hi is None or k < hi)]
        if limit is not None:
            want = want[:limit]
        assert self.m.scan(lo, hi, limit) == want

    @rule()
    def iterate(self):
        sk = self.sorted_keys()
        assert list(self.m) == sk
        assert list(reversed(self.m)) == sk[::-1]
        assert list(self.m.items()) == [(k, self.model[k]) for k in sk]
        assert list(self.m.values()) == [self.model[k] for k in sk]
        assert list(self.m.keys()) == sk
        assert self.m == self.model

    @precondition(lambda self: len(self.model) > 30)
    @rule()
    def clear(self):
        self.m.clear()
        self.model.clear()

    @invariant()
    def consistent(self):
        assert len(self.m) == len(self.model)
        self.m.validate()


SkipMapMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
TestSkipMapStateful = SkipMapMachine.TestCase
