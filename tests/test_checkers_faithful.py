"""test_checkers_faithful.py — a minimal counterexample shows the real fault (issue 14).

What is generated (tests/planted.py): 200 cas-register and 200 kv histories of a simulated atomic
object (3-6 clients, 10-60 operations, some pending), linearizable by construction; in each, one
completed read (get) is changed to another value the history writes, chosen so that the history is
no longer linearizable. That read is then the only cause of the failure. What is asserted: at
least 95% of the minimal counterexamples contain the planted read, for each model, and every
counterexample is non-linearizable when checked on its own. The generator is checked first: each
unplanted history replays (its effect order reproduces every output, by a specification written in
planted.py, not the checker's models), the checker calls it linearizable, and the planted one is
not. Why a bug could not hide: a minimiser that deletes the write justifying some other read
manufactures a conflict without the planted read; that happens on a sizeable share of random
histories, so the share falls below 95%. A counterexample that is not a failing history fails the
second test outright.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List

import pytest

from pybskip.checkers import check
from planted import MODELS, Case, planted_cases, replay

N = 200
SEED = 14
MIN_SHARE = 0.95


@lru_cache(maxsize=None)
def _cases(model: str) -> List[Case]:
    return list(planted_cases(model, N, SEED))


@lru_cache(maxsize=None)
def _results(model: str):
    return [check(c.planted, model, timeout=30) for c in _cases(model)]


@pytest.mark.parametrize("model", MODELS)
def test_generator_is_right(model):
    for i, c in enumerate(_cases(model)):
        assert replay(model, c.order), "case %d: the simulation's effect order does not replay" % i
        pos = [j for j, op in enumerate(c.planted) if op is c.op]
        assert len(pos) == 1, "case %d: the planted operation is not in the planted history" % i
        j = pos[0]
        was = c.original[j]
        assert len(c.original) == len(c.planted) and all(
            a is b for k, (a, b) in enumerate(zip(c.original, c.planted)) if k != j), \
            "case %d: more than one operation changed" % i
        assert c.op.f in ("read", "get") and c.op.ret is not None and c.op.output != was.output, i
        assert check(c.original, model, minimize=False).verdict == "ok", \
            "case %d: an unplanted history is not linearizable: the generator is wrong" % i
        assert check(c.planted, model, minimize=False).verdict == "illegal", \
            "case %d: planting left the history linearizable" % i


@pytest.mark.parametrize("model", MODELS)
def test_counterexample_contains_planted_read(model):
    cases, results = _cases(model), _results(model)
    assert all(r.verdict == "illegal" for r in results)
    missing = [i for i, (c, r) in enumerate(zip(cases, results))
               if not any(o is c.op for o in r.counterexample)]
    share = 1 - len(missing) / len(cases)
    first = missing[0] if missing else None
    detail = ""
    if first is not None:
        detail = "; e.g. case %d: planted %r, counterexample:\n  %s" % (
            first, cases[first].op,
            "\n  ".join(map(repr, sorted(results[first].counterexample, key=lambda o: o.call))))
    assert share >= MIN_SHARE, "%s: %d of %d counterexamples (%.3f) contain the planted read, want >= %.2f%s" % (
        model, len(cases) - len(missing), len(cases), share, MIN_SHARE, detail)


@pytest.mark.parametrize("model", MODELS)
def test_counterexample_is_illegal_alone(model):
    cases, results = _cases(model), _results(model)
    for i, r in enumerate(results):
        assert r.verdict == "illegal", "case %d: %s" % (i, r.verdict)
        ids = {id(o) for o in cases[i].planted}
        assert all(id(o) in ids for o in r.counterexample), \
            "case %d: the counterexample holds operations that are not the history's" % i
        assert check(r.counterexample, model, minimize=False).verdict == "illegal", \
            "case %d: the counterexample is linearizable on its own:\n  %s" % (
                i, "\n  ".join(map(repr, r.counterexample)))
