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
"""
import json

import pytest

from pybskip import spec
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
    record_batch_trace(path, threads=1, seed=1)  # one thread: the same run every time
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert spec.check_trace(events).ok
    keys_only = spec.check_trace([e for e in events if e["ev"] not in ("link", "unlink")])
    assert not keys_only.ok and keys_only.violation.rule == "order", keys_only.describe()
