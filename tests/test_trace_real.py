"""test_trace_real.py — lock traces recorded from the real C code conform to the protocol model.

What runs: pybskip.testing.trace.record_trace runs a random 4-thread program (puts, deletes,
gets, scans on a small key range, with schedule noise) on the instrumented build, which logs
every lock acquire/release with the node's level and position key; pybskip.spec.check_trace
checks the trace against the model's rules (global lock order, coupling, R/W exclusion, read-only
operations take only read locks, two-phase scans). Three seeds, so different interleavings.
What is checked: every recorded trace conforms; and the same real trace with two acquisitions of
one thread swapped (an out-of-order acquire) is rejected, naming the step — so the check is not
vacuous on real traces. The batch path: traces of put_many/get_many/delete_many from 4 threads
(record_batch_trace) conform, ordered by each node's place in its level's list (link/unlink
events); the same single-thread batch trace without its link events, ordered by the keys recorded
at acquisition, is rejected at a stale key (the false positive the link events removed: put_many's
shift lowers a held node's first key) — so the list order is what makes it conform. Made to fail
once on purpose: with the checker's list order switched off the batch trace was rejected [order].
The newer reads: a fixed program of select, rank/index and scan_desc beside puts and deletes on a
tall map (no get or scan of its own, so the trace's "get"/"scan" operations are theirs) passes the
rules, replays through the model with their transitions in the coverage, and its histories are
linearizable.
"""
import json
from collections import Counter

import pytest

from pybskip import spec
from pybskip.spec.replay import replay_trace
from pybskip.testing.check import check_events
from pybskip.testing.executor import run_program
from pybskip.testing.program import DELETE, INDEX, PUT, RANK, SCAN_DESC, SELECT, Op, Program
from pybskip.testing.trace import record_batch_trace, record_trace


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_trace_conforms(tmp_path, seed):
    path = tmp_path / "trace.jsonl"
    events = record_trace(path, threads=4, seed=seed)
    assert events > 100
    report = spec.check_trace(path)
    assert report.ok, report.describe()


def test_corrupted_real_trace_is_rejected(tmp_path):
    path = tmp_path / "trace.jsonl"
    record_trace(path, threads=4, seed=5)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    # find a thread's two consecutive acquires on different levels (descending) and swap them
    for i, e in enumerate(events):
        if e["ev"] != "acquire" or e["level"] == 0:
            continue
        j = next((k for k in range(i + 1, len(events)) if events[k]["thread"] == e["thread"]
                  and events[k]["ev"] == "acquire"), None)
        if j is not None and events[j]["level"] < e["level"]:
            break
    else:
        pytest.fail("no descending pair of acquires in the recorded trace")
    a, b = dict(events[i]), dict(events[j])
    for fld in ("mode", "node", "level", "key"):
        a[fld], b[fld] = b[fld], a[fld]
    events[i], events[j] = a, b
    report = spec.check_trace(events)
    assert not report.ok
    assert report.violation is not None and report.violation.seq <= events[j]["seq"]
    assert str(report.violation.seq) in report.describe()


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_trace_conforms(tmp_path, seed):
    path = tmp_path / "batch.jsonl"
    record_batch_trace(path, threads=4, seed=seed)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    kinds = {e["ev"] for e in events}
    assert {"link", "unlink", "acquire", "release", "begin", "end"} <= kinds
    report = spec.check_trace(events)
    assert report.ok, report.describe()
    assert report.threads == 4 and report.operations > 1000


def test_batch_trace_needs_list_order(tmp_path):
    path = tmp_path / "batch1.jsonl"
    # one thread: the same run every time; seed 2 has a shift that lowers a held node's first key
    # (with 13-key nodes seed 1 has none: 9 of seeds 1-11 do, and each is rejected by "order")
    record_batch_trace(path, threads=1, seed=2)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert spec.check_trace(events).ok
    keys_only = spec.check_trace([e for e in events if e["ev"] not in ("link", "unlink")])
    assert not keys_only.ok and keys_only.violation.rule == "order", keys_only.describe()


# The newer reads on real threads: select/rank (traced as "scan" operations walking level 0 from
# its head, two-phase) and scan_desc (one or more pairs of a "get" hint descent, which may go
# down through an entry left of the one toward hi, and a two-phase "scan" from where it landed),
# beside puts and deletes that split and merge the nodes they read. The program has no get and no
# scan of its own, so every "get"/"scan" operation in the trace, and every get_end/scan_* model
# transition in the replay's coverage, is one of theirs.
POSITIONAL = Program(
    setup=tuple(Op(PUT, k, k) for k in range(0, 40, 2)),
    threads=(
        (Op(SELECT, 0), Op(RANK, 21), Op(SCAN_DESC, 3, hi=30, limit=6), Op(SELECT, -1),
         Op(INDEX, 14), Op(SCAN_DESC, 0, hi=47, limit=16), Op(SELECT, 7), Op(RANK, 50)),
        (Op(PUT, 21, 1), Op(DELETE, 14), Op(PUT, 5, 2), Op(DELETE, 0), Op(PUT, 33, 3),
         Op(DELETE, 22), Op(PUT, 1, 4), Op(DELETE, 30)),
        (Op(SCAN_DESC, 10, hi=39, limit=3), Op(INDEX, 8), Op(SELECT, -4), Op(RANK, 0),
         Op(SCAN_DESC, 20, hi=20, limit=1), Op(SELECT, 40), Op(INDEX, 5), Op(SCAN_DESC, 0, hi=9, limit=0)),
    ))


def test_positional_and_reverse_reads_trace_conforms_and_replays(tmp_path):
    """The trace of select, rank/index and scan_desc beside writers passes the rules and replays
    through the model, and the replay's coverage shows their transitions: each select/rank/index
    is a scan that starts at a head (start), takes the level-0 path (scan_level0, scan_next)
    and ends (scan_end); each scan_desc adds at least one get hint descent (down, get_end).
    Made to fail once on purpose: with the executor running select as BSKIP_OP_GET the trace
    had 12 "scan" operations for the program's 17 (this assertion on the begins failed)."""
    path = tmp_path / "positional.jsonl"
    record_trace(path, program=POSITIONAL, seed=2, promote_prob=0.5)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    ops = [o for t in POSITIONAL.threads for o in t]
    positional = sum(o.kind in (SELECT, RANK, INDEX) for o in ops)
    # a scan_desc with limit 0 returns at once (no lock, no trace); each other one makes at least
    # one (get, scan) attempt, more when an attempt read too few keys (so ">=")
    desc = sum(o.kind == SCAN_DESC and o.limit > 0 for o in ops)
    begins = Counter(e["op"] for e in events if e["ev"] == "begin")
    assert begins["scan"] >= positional + desc and begins["get"] >= desc, begins
    rules = spec.check_trace(events)
    assert rules.ok, rules.describe()
    report = replay_trace(events)
    assert report.ok, report.describe()
    cov = report.coverage
    assert cov.get("scan_end", 0) >= positional + desc and cov.get("get_end", 0) >= desc, cov
    assert {"start", "grant", "scan_level0", "scan_next", "down", "swap", "finish"} <= set(cov), cov


def test_positional_and_reverse_reads_history_is_linearizable():
    """The same program's histories (20 runs with schedule noise) are linearizable under the
    sortedmap model, and the outputs have the shapes the model's vocabulary needs. Made to fail
    once on purpose each: exec.c's select asking for position index + 1, the engine's scan_desc
    compared in ascending order, and the executor running select as a get (NOT linearizable)."""
    for run in range(20):
        events = run_program(POSITIONAL, noise=3, seed=run + 1, promote_prob=0.5)
        outcome = check_events(events)
        assert outcome.verdict == "ok", outcome.describe()
        for e in events:
            if e.op.kind == SCAN_DESC:
                keys = [k for k, _ in e.output]
                assert keys == sorted(keys, reverse=True) and all(
                    e.op.key <= k <= e.op.hi for k in keys) and len(keys) <= e.op.limit
            elif e.op.kind == SELECT:
                assert e.output is None or (len(e.output) == 2 and e.output[1] in (
                    e.output[0], 1, 2, 3, 4))  # setup values equal keys; puts write 1..4
