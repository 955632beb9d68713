"""test_jepsen_edn.py — Jepsen EDN histories: our own corpus, malformed files, and an oracle.

What is checked: every history of tests/edn_corpus/ (written for this project: both layouts,
records, comments and discards, every model — register, cas-register, mutex, multi-register,
independent keys — pending (:info, no completion) and failed operations, nemesis events, an empty
history) is detected as jepsen-edn, read with the number of operations Knossos' semantics give,
and checked to the verdict in VERDICTS.txt, through the API and through the CLI (`pybskip check`
and `python -m pybskip.checkers check`, exit 0/1); each malformed file exits 3 naming file:line
and the fault (EXPECTED.txt). Hypothesis: random small cas-register histories written as EDN
(either layout, with :fail, :info and unfinished invokes) get the verdict of a brute-force
oracle that applies Knossos' rules itself, from the generated events, not from the reader.
Why a bug could not hide: each corpus file pins a count and a verdict by hand; the oracle is
independent of both the reader and the C engine.
"""
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import brute_force
from pybskip.checkers import History, HistoryFormatError, Operation, check
from pybskip.checkers.formats import detect_format

CORPUS = Path(__file__).resolve().parent / "edn_corpus"
MALFORMED = CORPUS / "malformed"


def _table(path):
    rows = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split(None, 3))
    return rows


VERDICTS = _table(CORPUS / "VERDICTS.txt")
EXPECTED = [(name, line, what) for name, line, what in
            ((r[0], r[1], " ".join(r[2:])) for r in _table(MALFORMED / "EXPECTED.txt"))]
WORD = {"linearizable": "ok", "not-linearizable": "illegal"}


def test_every_corpus_file_has_a_verdict():
    listed = {r[0] for r in VERDICTS}
    files = {p.name for p in CORPUS.glob("*.edn")}
    assert listed == files and len(files) >= 12
    assert {r[1] for r in VERDICTS} >= {"register", "cas-register", "mutex", "multi-register",
                                        "independent:cas-register"}
    assert {p.name for p in MALFORMED.iterdir() if p.name != "EXPECTED.txt"} == {e[0] for e in EXPECTED}


@pytest.mark.parametrize("name, model, verdict, count", VERDICTS, ids=[r[0] for r in VERDICTS])
def test_corpus_verdict(name, model, verdict, count):
    path = CORPUS / name
    assert detect_format(path.read_text()) == "jepsen-edn"
    h = History.load(path, model=model)
    assert h.format == "jepsen-edn" and len(h) == int(count), [str(o) for o in h]
    for op in h:
        assert isinstance(op.call_line, int) and op.call_line >= 1
    r = check(h, model, timeout=30)
    assert r.verdict == WORD[verdict], r.describe()
    if r.verdict == "illegal":
        assert r.first_failure is not None and r.first_failure.ret_line is not None
        assert r.counterexample and all(o.call_line for o in r.counterexample)


def test_knossos_semantics_of_the_vector_file():
    h = History.load(CORPUS / "register-vector-ok.edn", model="register")
    by_line = {o.call_line: o for o in h}
    assert sorted(by_line) == [2, 5, 6, 11]  # the failed write of line 9 is gone, nemesis ignored
    assert by_line[5].pending and by_line[5].input == {"f": "write", "value": 2}  # :info
    assert by_line[5].source["ret_line"] == 7 and by_line[5].source["index"] == 3
    assert by_line[2].source["time"] == 100 and by_line[2].source["ret_time"] == 120
    assert by_line[6].output == 2 and by_line[6].ret_line == 8


def test_a_nil_read_constrains_nothing():
    # Knossos' register accepts a read of nil in any state
    h = History.load(CORPUS / "cas-register-ok.edn")
    first = min(h, key=lambda o: o.call)
    assert first.input == {"f": "read"} and first.pending and first.source.get("unconstrained")


def test_init_value(tmp_path):
    f = tmp_path / "h.edn"
    f.write_text("{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :value 5, :process 0}\n")
    assert check(History.load(f), "cas-register").verdict == "illegal"
    assert check(History.load(f), "cas-register", init=5).verdict == "ok"


@pytest.mark.parametrize("name, line, what", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_malformed_file_names_line(name, line, what):
    path = MALFORMED / name
    with pytest.raises(HistoryFormatError) as info:
        History.load(path, "auto" if name.endswith(".html") else "jepsen-edn")
    assert info.value.line == (None if line == "-" else int(line)), info.value
    assert what in info.value.message, info.value


def _cli(*args, alias=False):
    cmd = [sys.executable, "-m", "pybskip.checkers"] if alias else [sys.executable, "-m", "pybskip"]
    return subprocess.run(cmd + ["check", *map(str, args)], capture_output=True, text=True, timeout=120,
                          cwd=CORPUS)


@pytest.mark.parametrize("alias", [False, True])
def test_cli_corpus_and_malformed(alias):
    for name, model, verdict, _ in VERDICTS:
        p = _cli(CORPUS / name, "--model", model, alias=alias)
        assert p.returncode == {"ok": 0, "illegal": 1}[WORD[verdict]], (name, p.stdout, p.stderr)
        assert "jepsen-edn" in p.stderr, p.stderr  # says which format it detected
    for name, line, what in EXPECTED:
        p = _cli(MALFORMED / name, alias=alias)
        assert p.returncode == 3, (name, p.stdout, p.stderr)
        where = "%s:%s" % (name, line) if line != "-" else name
        assert where in p.stderr and what in p.stderr and "Traceback" not in p.stderr, p.stderr


# -- Hypothesis: EDN text of random cas-register runs vs a brute-force oracle applying Knossos' rules
def _run(rng):
    """Events (process, type, f, value) of a random 2-3 process run; values in 0..2."""
    procs = rng.randint(1, 3)
    events, open_ = [], {}
    for _ in range(rng.randint(1, 9)):
        p = rng.randrange(procs)
        if p in open_:
            f, v = open_.pop(p)
            typ = rng.choice(["ok", "ok", "ok", "fail", "info"])
            if f == "read" and typ == "ok":
                v = rng.choice([None, 0, 1, 2])
            events.append((p, typ, f, v))
        else:
            f = rng.choice(["read", "write", "cas"])
            v = None if f == "read" else rng.randint(0, 2) if f == "write" else (rng.randint(0, 2), rng.randint(0, 2))
            open_[p] = (f, v)
            events.append((p, "invoke", f, v))
    return events


def _edn(v):
    if v is None:
        return "nil"
    if isinstance(v, tuple):
        return "[%s]" % " ".join(map(_edn, v))
    return str(v)


def _oracle_ops(events):
    """Knossos' rules applied to the generated events directly."""
    opened, ops = {}, []
    for pos, (p, typ, f, v) in enumerate(events):
        if typ == "invoke":
            opened[p] = (pos, f, v)
            continue
        call, f0, v0 = opened.pop(p)
        if typ == "fail":
            continue
        ops.append((call, None if typ == "info" else pos, f0, v0, v if typ == "ok" else None))
    ops += [(call, None, f, v, None) for call, f, v in opened.values()]
    out = []
    for call, ret, f, v, done in ops:
        if f == "read":
            out.append(Operation(0, {"f": "read"}, done, call, ret if done is not None else None))
        elif f == "write":
            out.append(Operation(0, {"f": "write", "value": v}, None, call, ret))
        else:
            swapped = True if ret is not None else None
            out.append(Operation(0, {"f": "cas", "from": v[0], "to": v[1]}, swapped, call, ret))
    return out


def _step(state, op):
    f = op.input["f"]
    if f == "read":
        return op.ret is None or op.output == state, state
    if f == "write":
        return True, op.input["value"]
    if state != op.input["from"]:
        return op.ret is None and False, state
    return True, op.input["to"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), vector=st.booleans())
def test_edn_verdicts_match_brute_force(tmp_path_factory, seed, vector):
    events = _run(random.Random(seed))
    maps = ["{:type :%s, :f :%s, :value %s, :process %d}" % (t, f, _edn(v), p) for p, t, f, v in events]
    text = ("[" + "\n ".join(maps) + "]\n") if vector else "\n".join(maps) + "\n"
    path = tmp_path_factory.mktemp("edn") / "h.edn"
    path.write_text(text)
    want = "ok" if brute_force(_oracle_ops(events), None, _step) else "illegal"
    assert check(History.load(path), "cas-register").verdict == want, text


WRONG_FORMAT = [  # (file, --format it is not)
    (CORPUS / "cas-register-ok.edn", "jepsen"),
    (CORPUS / "cas-register-ok.edn", "jsonl"),
    (CORPUS / "cas-register-ok.edn", "porcupine-kv"),
    (CORPUS.parent / "data" / "jepsen-etcd" / "etcd_000.log", "jepsen-edn"),
    (CORPUS.parent / "data" / "jepsen-etcd" / "etcd_000.log", "porcupine-kv"),
    (CORPUS.parent / "data" / "porcupine-kv" / "c01-ok.txt", "jepsen"),
    (MALFORMED / "page.html", "jepsen"),
    (MALFORMED / "page.html", "jepsen-edn"),
]


@pytest.mark.parametrize("path, fmt", WRONG_FORMAT, ids=["%s-as-%s" % (p.name, f) for p, f in WRONG_FORMAT])
def test_cli_file_that_is_not_the_given_format_exits_3(path, fmt):
    p = _cli(path, "--format", fmt)
    assert p.returncode == 3, (p.stdout, p.stderr)
    assert "%s:" % path.name in p.stderr and "Traceback" not in p.stderr and p.stdout == "", p.stderr


def test_cli_timeout_bounds_an_illegal_200_operation_history(tmp_path):
    from test_checkers_timeout import PyRegister, overlapping_history  # noqa: F401 (same generator)

    f = tmp_path / "h.jsonl"
    History(overlapping_history(1, 30), model="register").save(f)
    import time
    t0 = time.monotonic()
    p = _cli(f, "--timeout", "5")
    assert time.monotonic() - t0 <= 6.5, "the CLI ran past --timeout 5 (+ interpreter start)"
    assert p.returncode in (1, 2), (p.stdout, p.stderr)


REJECTED = [  # (format, text, line, what the error names): inputs a reader must not skip
    ("jepsen", "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n"
               "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\tok\t:read\t2\n", 4,
     "expected a Jepsen operation line"),
    ("jepsen", "INFO  some.thing - starting\nWARN  other - hello\n", None, "no Jepsen operation lines"),
    ("jsonl", '{"client": 0, "call": 1, "return": 2, "input": {"f": "get", "key": 1}, "outptu": 7}\n', 1,
     "unknown field 'outptu'"),
    ("porcupine-kv", '{:process 0, :type :invoke, :f :get, :key "1"}\n{:process 0, :type :ok, :f :put, '
                     ':key "1", :value "x"}\n', 2, "does not match the :invoke"),
    ("porcupine-kv", '{:process 0, :type :invoke, :f :get, :key "1"}\n{:process 0, :type :ok, :f :get, '
                     ':key "1"}\n', 2, "must carry the :value"),
    ("jepsen-edn", '{:type :invoke, :f :read, :value [:a nil], :process 0}\n'
                   '{:type :ok, :f :read, :value [:a 1], :process 0}\n', 2, "independent"),
]


@pytest.mark.parametrize("fmt, text, line, what", REJECTED, ids=["%s-%d" % (r[0], i) for i, r in enumerate(REJECTED)])
def test_reader_rejects_what_it_does_not_recognise(tmp_path, fmt, text, line, what):
    f = tmp_path / "h.txt"
    f.write_text(text)
    with pytest.raises(HistoryFormatError) as info:
        History.load(f, fmt)
    assert info.value.line == line and what in info.value.message, info.value


def test_an_ok_value_replaces_the_invoke_value(tmp_path):
    # Knossos' history/complete: the write's :ok says 2, so a later read of 2 is linearizable
    f = tmp_path / "h.edn"
    f.write_text("{:type :invoke, :f :write, :value 1, :process 0}\n{:type :ok, :f :write, :value 2, :process 0}\n"
                 "{:type :invoke, :f :read, :value nil, :process 1}\n{:type :ok, :f :read, :value 2, :process 1}\n")
    h = History.load(f)
    assert [o.input for o in h if o.f == "write"] == [{"f": "write", "value": 2}]
    assert check(h).verdict == "ok"
