"""test_checkers_hypothesis.py — generated histories: sequential executions, and mutated ones.

What is generated: a sequential execution of random sortedmap (or register) operations on a small
key range (get, put, delete, scan, and the positional reads select/rank/index), run against a
plain dict to obtain outputs; each operation gets a linearization point
p (10, 20, 30, ...) and an interval [p - a, p + b] with random a, b up to 25 (so up to five
neighbours overlap), some operations become pending (their effect happened; the checker must allow
it). Such a history is linearizable by construction (order by p), so the checker must say "ok".
Mutated: one output (or scan pair) is changed. The verdict is then compared with an independent
brute-force oracle (every real-time-respecting order, small histories only) that uses a spec
written here, not the checker's models; for "illegal" the counterexample must be non-linearizable,
keep every operation that may justify what its operations observed, and be minimal.
Why a bug could not hide: the C engine, the Python callback path and the oracle
must agree on every example; a search that skipped candidates, a memo that merged unequal states
or a model that misread an output disagrees on some small history, which Hypothesis then shrinks.
"""
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybskip.checkers import Operation, check
from pybskip.checkers.models import SortedMap
from oracle import brute_force, justifiers_kept, removal_breaks_closure

KEYS = 4


def spec_step(state, op):
    """The sorted-map specification, independent of pybskip.checkers.models."""
    d = dict(state)
    f, inp, out, pending = op.input["f"], op.input, op.output, op.ret is None
    if f == "scan":
        want = tuple(sorted((k, v) for k, v in d.items() if inp["lo"] <= k < inp["hi"]))
        if inp["limit"] is not None:
            want = want[:inp["limit"]]
        return pending or tuple(map(tuple, out)) == want, state
    if f in ("select", "rank", "index"):
        return pending or out == positional(d, inp), state
    prev = d.get(inp["key"])
    ok = pending or out == prev
    if f == "put":
        d[inp["key"]] = inp["value"]
    elif f == "delete":
        d.pop(inp["key"], None)
    return ok, tuple(sorted(d.items()))


def positional(d, inp):
    """What select/rank/index return on dict d: select i -> (k, v) of sorted(d.items())[i] or
    None; rank k -> how many keys are < k; index k -> that, or None when k is absent."""
    items = sorted(d.items())
    if inp["f"] == "select":
        i = inp["index"]
        return items[i] if -len(items) <= i < len(items) else None
    below = sum(1 for k in d if k < inp["key"])
    return None if inp["f"] == "index" and inp["key"] not in d else below


def execute(rng: random.Random, n_ops: int, n_clients: int, pending_rate: float):
    d, ops = {}, []
    for i in range(n_ops):
        r, k = rng.random(), rng.randrange(KEYS)
        if r < 0.4:
            inp, out = {"f": "put", "key": k, "value": rng.randrange(3)}, d.get(k)
            d[k] = inp["value"]
        elif r < 0.65:
            inp, out = {"f": "get", "key": k}, d.get(k)
        elif r < 0.75:
            inp, out = {"f": "delete", "key": k}, d.pop(k, None)
        elif r < 0.85:
            f = rng.choice(["select", "rank", "index"])
            inp = ({"f": f, "index": rng.randrange(-KEYS - 1, KEYS + 1)} if f == "select"
                   else {"f": f, "key": rng.randrange(KEYS + 1)})
            out = positional(d, inp)
        else:
            lo = rng.randrange(KEYS)
            inp = {"f": "scan", "lo": lo, "hi": lo + rng.randrange(1, KEYS + 1),
                   "limit": rng.choice([None, 1, 2])}
            out = tuple(sorted((kk, v) for kk, v in d.items() if inp["lo"] <= kk < inp["hi"]))
            if inp["limit"] is not None:
                out = out[:inp["limit"]]
        p = 10 * (i + 1)
        call, ret = p - rng.randrange(26), p + rng.randrange(26)
        if rng.random() < pending_rate:
            ret = None
        ops.append(Operation(rng.randrange(n_clients), inp, out, call, ret))
    return ops


def mutate(rng: random.Random, ops):
    done = [i for i, o in enumerate(ops) if o.ret is not None]
    if not done:
        return ops
    i = rng.choice(done)
    o = ops[i]
    if o.input["f"] == "scan":
        pairs = list(o.output)
        if pairs and rng.random() < 0.5:
            j = rng.randrange(len(pairs))
            pairs[j] = (pairs[j][0], pairs[j][1] + 1)
        elif pairs:
            del pairs[rng.randrange(len(pairs))]
        else:
            pairs = [(o.input["lo"], 0)]
        out = tuple(pairs)
    elif o.input["f"] == "select":
        out = rng.choice([None, (0, 0), (1, 1), (2, 2)] + ([(o.output[0], o.output[1] + 1)] if o.output else []))
        if out == o.output:
            out = None if out is not None else (0, 7)
    elif o.input["f"] in ("rank", "index"):
        out = rng.choice([None, 0, 1, 2, 3, 4])
        if out == o.output:
            out = 5
    else:
        out = rng.choice([None, 0, 1, 2, 3])
        if out == o.output:
            out = 7
    return ops[:i] + [o._replace(output=out) if hasattr(o, "_replace") else
                      Operation(o.client, o.input, out, o.call, o.ret)] + ops[i + 1:]


class PySortedMap(SortedMap):
    builtin = None  # the same model through the Python callback path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), clients=st.integers(1, 6),
       pending=st.sampled_from([0.0, 0.1, 0.3]))
def test_sequential_execution_is_linearizable(seed, n, clients, pending):
    ops = execute(random.Random(seed), n, clients, pending)
    r = check(ops, "sortedmap", timeout=30)
    assert r.verdict == "ok", [str(o) for o in ops]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), clients=st.integers(1, 4))
def test_python_model_path_agrees(seed, n, clients):
    rng = random.Random(seed)
    ops = execute(rng, n, clients, 0.2)
    if rng.random() < 0.5:
        ops = mutate(rng, ops)
    assert check(ops, "sortedmap").verdict == check(ops, PySortedMap()).verdict


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7), clients=st.integers(1, 4),
       pending=st.sampled_from([0.0, 0.2]))
def test_mutated_history_matches_brute_force(seed, n, clients, pending):
    rng = random.Random(seed)
    ops = mutate(rng, execute(rng, n, clients, pending))
    want = "ok" if brute_force(ops, (), spec_step) else "illegal"
    r = check(ops, "sortedmap")
    assert r.verdict == want, [str(o) for o in ops]
    if want == "illegal":
        cx = list(r.counterexample)
        assert not brute_force(cx, (), spec_step), "the counterexample must fail"
        model = SortedMap()
        assert justifiers_kept(cx, ops, model), "the counterexample dropped a justifying write"
        for i in range(len(cx)):
            rest = cx[:i] + cx[i + 1:]
            assert brute_force(rest, (), spec_step) or removal_breaks_closure(cx[i], rest, model), \
                "removing op %d keeps it failing: not minimal" % i
