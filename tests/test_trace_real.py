"""test_trace_real.py — lock traces recorded from the real C code conform to the protocol model.

What runs: pybskip.testing.trace.record_trace runs a random 4-thread program (puts, deletes,
gets, scans on a small key range, with schedule noise) on the instrumented build, which logs
every lock acquire/release with the node's level and position key; pybskip.spec.check_trace
checks the trace against the model's rules (global lock order, coupling, R/W exclusion, read-only
operations take only read locks, two-phase scans). Three seeds, so different interleavings.
What is checked: every recorded trace conforms; and the same real trace with two acquisitions of
one thread swapped (an out-of-order acquire) is rejected, naming the step — so the check is not
vacuous on real traces.
"""
import json

import pytest

from pybskip import spec
from pybskip.testing.trace import record_trace


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
