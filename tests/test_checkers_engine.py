"""test_checkers_engine.py — the engine's issue-16 contracts: parallel partitions that do not change
results, the memory limit and why a verdict is unknown, compact memo on long histories,
nondeterministic models (C power set vs a Python model vs brute force), the constants table, and
the seeded history generator.

Determinism: every history of tests/data and a set of generated ones is checked with workers=1
and workers=4; verdict, failing partition, first failure, counterexample and linearizations must
be identical (the engine checks each partition alone and reports the lowest illegal one).
"""
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import brute_force
from pybskip.checkers import BUILTIN, History, Model, Operation, check
from pybskip.checkers import _cengine as C
from pybskip.checkers.histgen import generate_kv_log
from pybskip.checkers.models import UNKNOWN, LossyRegister
from pybskip.checkers.report import _states
from thirdparty_data import expected_verdicts


def _load_text(tmp_path, text, name="h.txt"):
    p = tmp_path / name
    p.write_text(text)
    return History.load(p)


def _same(a, b):
    """The parts of two results that must not depend on the worker count."""
    def ids(ops):
        return None if ops is None else [(o.client, o.call, o.ret) for o in ops]
    assert a.verdict == b.verdict
    assert ids(a.partition) == ids(b.partition)
    assert ids(a.counterexample) == ids(b.counterexample)
    assert (a.first_failure is None) == (b.first_failure is None)
    if a.first_failure is not None:
        assert ids([a.first_failure]) == ids([b.first_failure])
    assert [ids(p) for p in a.partial_linearizations] == [ids(p) for p in b.partial_linearizations]


@pytest.mark.parametrize("path", sorted(expected_verdicts()), ids=lambda p: p.parent.name + "/" + p.name)
def test_workers_do_not_change_results_on_thirdparty_histories(path):
    h = History.load(path)
    one = check(h, workers=1)
    four = check(h, workers=4)
    assert one.verdict == expected_verdicts()[path]
    _same(one, four)


@pytest.mark.parametrize("keys,stale,seed", [(1, False, 1), (1, True, 2), (5, False, 3), (5, True, 4),
                                             (12, True, 5), (40, False, 6)])
def test_workers_do_not_change_results_on_generated_histories(tmp_path, keys, stale, seed):
    h = _load_text(tmp_path, generate_kv_log(1500, clients=4, keys=keys, seed=seed, stale_read=stale))
    one = check(h, "kv", workers=1)
    four = check(h, "kv", workers=4)
    assert one.verdict == ("illegal" if stale else "ok")
    _same(one, four)


def test_lowest_illegal_partition_is_reported_whatever_the_workers():
    # keys 0..9 each get a history; keys 3 and 7 read a value never written: key 3 decides
    ops = []
    for k in range(10):
        ops.append(Operation(0, {"f": "put", "key": k, "value": 1}, None, 0, 1))
        ops.append(Operation(1, {"f": "get", "key": k}, 9 if k in (3, 7) else 1, 2, 3))
    for w in (1, 2, 4, 8):
        r = check(ops, "sortedmap", workers=w)
        assert r.verdict == "illegal"
    enc = C.Encoded()
    for k in range(10):
        enc.add(0, 1, C.PUT, 0, 1)  # register: write atom 1
        enc.add(2, 3, C.GET, 0, 0, 0, 0, 2 if k in (3, 7) else 1)
        enc.close_part()
    for w in (1, 3, 8):
        v, first, res = C.run("register", enc, None, workers=w)
        assert (v, first) == ("illegal", 3)
        assert [r.verdict for r in res[:3]] == ["ok"] * 3
        assert all(r.verdict == "illegal" or r.reason == "cancelled" for r in res[7:8])
    v, first, res = C.run("register", enc, None, workers=2, stop_at_illegal=False)
    assert (v, first) == ("illegal", 3)
    assert [r.verdict for r in res] == ["illegal" if k in (3, 7) else "ok" for k in range(10)]


def test_memory_limit_gives_unknown_with_its_reason(tmp_path):
    h = _load_text(tmp_path, generate_kv_log(20_000, clients=3, keys=1, seed=7))
    r = check(h, "kv", max_memory=64 * 1024)
    assert (r.verdict, r.unknown_reason) == ("unknown", "memory limit")
    assert "memory limit" in r.describe().splitlines()[0]
    assert r.to_json()["unknown_reason"] == "memory limit"
    # the same history fits easily in 64 MB: a memo entry is a few words, not a bitset of 20k ops
    r = check(h, "kv", max_memory=64 * 2**20)
    assert (r.verdict, r.unknown_reason) == ("ok", None)


def test_timeout_gives_unknown_with_its_reason():
    ops = [Operation(i, {"f": "write", "value": i}, None, 0, None) for i in range(40)]
    ops += [Operation(99, {"f": "read"}, 1000, 1, 2)]
    r = check(ops, "register", timeout=0.05, minimize=False)
    assert (r.verdict, r.unknown_reason) == ("unknown", "timeout")


def test_cli_max_memory_and_workers(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text(generate_kv_log(20_000, clients=3, keys=1, seed=7))
    cmd = [sys.executable, "-m", "pybskip.checkers", "check", str(path)]
    p = subprocess.run(cmd + ["--max-memory", "64K"], capture_output=True, text=True)
    assert p.returncode == 2 and "memory limit" in p.stdout, p.stdout + p.stderr
    p = subprocess.run(cmd + ["--max-memory", "1G", "--workers", "3"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("linearizable"), p.stdout + p.stderr
    for bad in (["--max-memory", "lots"], ["--max-memory", "0"], ["--workers", "0"]):
        p = subprocess.run(cmd + bad, capture_output=True, text=True)
        assert p.returncode == 3 and "Traceback" not in p.stderr and "error:" in p.stderr


def test_bad_workers_and_memory_arguments():
    ops = [Operation(0, {"f": "write", "value": 1}, None, 0, 1)]
    for kw in ({"workers": 0}, {"workers": "2"}, {"max_memory": 0}, {"max_memory": 1.5}):
        with pytest.raises(ValueError):
            check(ops, "register", **kw)


def test_long_single_key_history_memo_stays_small(tmp_path):
    # 60k operations on one key: the old memo stored a 60k-bit set per entry (7.5 KB); the compact
    # one a few words. 32 MB holds it now (about 400 K entries of 7.5 KB would need 3 GB).
    h = _load_text(tmp_path, generate_kv_log(60_000, clients=3, keys=1, seed=8))
    r = check(h, "kv", max_memory=32 * 2**20, workers=1)
    assert r.verdict == "ok", r.unknown_reason


def test_constants_come_from_the_library():
    for model in BUILTIN.values():
        assert model.builtin in C.MODEL_IDS
    assert {"callback", "callback-sets"} <= set(C.MODEL_IDS)
    assert C.CONST["abi"] == C.ABI_VERSION
    assert len(set(C.MODEL_IDS.values())) == len(C.MODEL_IDS)


# ---- nondeterministic models --------------------------------------------------------------------

class PyLossyRegister(Model):
    """The lossy register written as a plain Python nondeterministic model (no C model)."""

    name = "py-lossy-register"
    nondeterministic = True

    def init(self):
        return None

    def steps(self, state, input, output):
        if input["f"] == "read":
            return [state] if output is UNKNOWN or output == state else []
        return [input["value"], state]

    def read_only(self, op):
        return op.f == "read"


def _lossy_oracle(ops):
    """Brute force over orders AND choices: a write is a pair of possible steps."""
    def step(state, op):
        # the oracle's step is deterministic: explore both choices by expanding the state set
        new = set()
        for s in state:
            new.update(LossyRegister().steps(s, op.input, UNKNOWN if op.pending else op.output))
        return bool(new), frozenset(new)
    return brute_force(ops, frozenset([None]), step)


def _register_history(rng, n, clients, values=3):
    ops = []
    for i in range(n):
        call = rng.randrange(0, 3 * n)
        ret = None if rng.random() < 0.1 else call + rng.randrange(0, 6)
        if rng.random() < 0.5:
            ops.append(Operation(i % clients, {"f": "write", "value": rng.randrange(values)}, None, call, ret))
        else:
            out = rng.choice([None] + list(range(values)))
            ops.append(Operation(i % clients, {"f": "read"}, None if ret is None else out, call, ret))
    return ops


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7), clients=st.integers(1, 4))
def test_lossy_register_c_python_and_brute_force_agree(seed, n, clients):
    ops = _register_history(random.Random(seed), n, clients)
    want = "ok" if _lossy_oracle(ops) else "illegal"
    assert check(ops, "lossy-register", minimize=False).verdict == want
    assert check(ops, PyLossyRegister(), minimize=False).verdict == want


def test_lossy_register_is_weaker_than_register_but_not_empty():
    w1 = Operation(0, {"f": "write", "value": 1}, None, 0, 1)
    w2 = Operation(0, {"f": "write", "value": 2}, None, 2, 3)
    r2 = Operation(1, {"f": "read"}, 2, 4, 5)
    r1 = Operation(1, {"f": "read"}, 1, 6, 7)
    assert check([w1, w2, r1], "register").verdict == "illegal"
    assert check([w1, w2, r1], "lossy-register").verdict == "ok"  # write 2 was lost
    r = check([w1, w2, r2, r1], "lossy-register")  # 2 was seen: 1 cannot come back
    assert r.verdict == "illegal"
    assert check([w1, w2, r2, r1], PyLossyRegister()).verdict == "illegal"
    # reports show every state a nondeterministic model may be in
    assert _states(LossyRegister(), [w1, w2, r2]) == ["1 | None", "2 | 1 | None", "2"]


# ---- the generator -----------------------------------------------------------------------------

def test_generator_is_seeded_and_its_histories_have_the_verdict_it_says(tmp_path):
    a = generate_kv_log(3000, clients=5, keys=2, seed=11, stale_read=True)
    assert a == generate_kv_log(3000, clients=5, keys=2, seed=11, stale_read=True)
    assert a != generate_kv_log(3000, clients=5, keys=2, seed=12, stale_read=True)
    assert check(_load_text(tmp_path, a, "a.txt"), "kv", minimize=False).verdict == "illegal"
    ok = generate_kv_log(3000, clients=5, keys=2, seed=11)
    assert check(_load_text(tmp_path, ok, "b.txt"), "kv").verdict == "ok"
    with pytest.raises(ValueError):
        generate_kv_log(0)


def test_bench_checker_runs_and_checks_its_verdicts():
    p = subprocess.run([sys.executable, "-m", "pybskip.checkers.bench_checker", "--scale", "0.01",
                        "--rows", "1key-3c-50k-ok,1key-3c-50k-stale"], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert any(line.startswith("1key-3c-50k-stale") and " illegal " in line for line in lines)
    assert any(line.startswith("1key-3c-50k-ok") and " ok " in line for line in lines)
    p = subprocess.run([sys.executable, "-m", "pybskip.checkers.bench_checker", "--rows", "nope"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "unknown rows" in p.stderr
    p = subprocess.run([sys.executable, "-m", "pybskip.checkers.bench_checker", "--rows", "16keys-8c-400k-ok",
                        "--scaling", "1,2", "--scale", "0.005"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = [line.split() for line in p.stdout.splitlines()[1:]]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [("16keys-8c-400k-ok", "16", "1", "ok"),
                                                       ("16keys-8c-400k-ok", "16", "2", "ok")]
    assert rows[0][-1] == "1.00x" and float(rows[1][6]) > 0
