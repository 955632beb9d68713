"""Lock-trace conformance (spec/trace_check.py) on synthetic traces.

What is checked: the conforming example passes; the corrupted example (a level-1 lock taken while
holding a level-0 one) is rejected at exactly that step; each other rule (exclusion, release,
read-only, two-phase scans, coupling, unfinished operations) rejects a small hand-made trace;
malformed input raises TraceFormatError and the CLI exits 3. Why a bug could not hide: every rule
has a trace that breaks only it, and the expected seq/rule are asserted. Made to fail once on
purpose by expecting seq 8 for the out-of-order example.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

spec = pytest.importorskip("pybskip.spec")
EXAMPLES = Path(spec.__file__).parent / "examples"


def ev(seq, thread, kind, **kw):
    return dict(seq=seq, thread=thread, ev=kind, **kw)


def acq(seq, t, mode, node, level, key):
    return ev(seq, t, "acquire", mode=mode, node=node, level=level, key=key)


def rel(seq, t, mode, node, level, key):
    return ev(seq, t, "release", mode=mode, node=node, level=level, key=key)


def test_conforming_example_passes():
    report = spec.check_trace(EXAMPLES / "conforming.jsonl")
    assert report.ok, report.describe()
    assert report.threads == 3 and report.operations == 3


def test_out_of_order_example_names_the_step():
    report = spec.check_trace(EXAMPLES / "out_of_order.jsonl")
    assert not report.ok
    v = report.violation
    assert (v.seq, v.thread, v.rule) == (9, 0, "order")
    assert "seq 9, thread 0" in report.describe()


@pytest.mark.parametrize("events, rule, seq", [
    # W lock while another thread holds R
    ([ev(1, 0, "begin", op="put", key=1), acq(2, 0, "R", 1, 0, None),
      ev(3, 1, "begin", op="put", key=2), acq(4, 1, "W", 1, 0, None)], "exclusion", 4),
    # release of a lock not held
    ([ev(1, 0, "begin", op="get", key=1), rel(2, 0, "R", 1, 0, None)], "release", 2),
    # get taking a W lock
    ([ev(1, 0, "begin", op="get", key=1), acq(2, 0, "W", 1, 0, None)], "read-only", 2),
    # read->write upgrade
    ([ev(1, 0, "begin", op="delete", key=1), acq(2, 0, "R", 1, 0, None),
      acq(3, 0, "W", 1, 0, None)], "no-upgrade", 3),
    # parent released before the child is locked
    ([ev(1, 0, "begin", op="get", key=1), acq(2, 0, "R", 1, 1, None),
      rel(3, 0, "R", 1, 1, None), acq(4, 0, "R", 5, 0, 7)], "coupling", 4),
    # scan releasing a level-0 lock it still needs, then acquiring
    ([ev(1, 0, "begin", op="scan", key=1), acq(2, 0, "R", 1, 0, None),
      acq(3, 0, "R", 2, 0, 5), acq(4, 0, "R", 3, 0, 9), rel(5, 0, "R", 1, 0, None),
      acq(6, 0, "R", 4, 0, 12)], "two-phase", 6),
    # put taking R after W
    ([ev(1, 0, "begin", op="put", key=1), acq(2, 0, "W", 1, 0, None),
      acq(3, 0, "R", 2, 0, 5)], "phases", 3),
    # ends holding a lock
    ([ev(1, 0, "begin", op="get", key=1), acq(2, 0, "R", 1, 0, None),
      ev(3, 0, "end", op="get")], "begin-end", 3),
    # trace ends inside an operation
    ([ev(1, 0, "begin", op="get", key=1), acq(2, 0, "R", 1, 0, None)], "unfinished", 2),
])
def test_each_rule_rejects_its_breach(events, rule, seq):
    report = spec.check_trace(events)
    assert not report.ok
    assert (report.violation.rule, report.violation.seq) == (rule, seq), report.describe()


def test_put_settle_and_shift_patterns_conform():
    """core_c's placement-level steps: the settle step (hold a, W-lock b to its right, release b,
    keep a) then the shift into the same successor (its first key now smaller), at level 0; and
    a shift at level 1 followed by the child lock while both level-1 nodes are held."""
    events = [ev(1, 0, "begin", op="put", key=7), acq(2, 0, "W", 1, 0, None),
              acq(3, 0, "W", 2, 0, 10), rel(4, 0, "W", 2, 0, 10),    # settle: stop at a
              acq(5, 0, "W", 2, 0, 8),                               # shift_into_next
              rel(6, 0, "W", 2, 0, 8), rel(7, 0, "W", 1, 0, None), ev(8, 0, "end", op="put"),
              ev(9, 1, "begin", op="put", key=7), acq(10, 1, "W", 3, 1, None),
              acq(11, 1, "W", 4, 1, 20),                             # shift at level h-1 = 1
              acq(12, 1, "W", 1, 0, None), rel(13, 1, "W", 4, 1, 20),  # child, then `other`
              rel(14, 1, "W", 3, 1, None), rel(15, 1, "W", 1, 0, None),
              ev(16, 1, "end", op="put")]
    report = spec.check_trace(events)
    assert report.ok, report.describe()


def test_malformed_input(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ev(1, 0, "acquire", mode="X", node=1, level=0, key=None)) + "\n")
    with pytest.raises(spec.TraceFormatError, match="mode"):
        spec.check_trace(bad)
    with pytest.raises(spec.TraceFormatError, match="seq"):
        spec.check_trace([ev(2, 0, "begin", op="get", key=1), ev(1, 0, "end", op="get")])


def test_cli_exit_codes(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    # cwd=tmp_path: `python -m` puts the working directory first on sys.path, and the checkout's
    # pybskip/ source directory (without its compiled modules) must not shadow the installed one
    def run(f):
        return subprocess.run([sys.executable, "-m", "pybskip.spec", "check-trace", str(f)], cwd=tmp_path,
                              capture_output=True, text=True)

    assert run(EXAMPLES / "conforming.jsonl").returncode == 0
    out = run(EXAMPLES / "out_of_order.jsonl")
    assert out.returncode == 1 and "seq 9" in out.stdout
    assert run(bad).returncode == 3


def _link(seq, t, node, level, after, kind="link"):
    return ev(seq, t, kind, node=node, level=level, after=after)


def test_link_events_order_by_list_position_and_obey_the_pointer_rules():
    put = [ev(1, 0, "begin", op="put", key=5), acq(2, 0, "W", 1, 0, None),
           _link(3, 0, 10, 0, None), acq(4, 0, "W", 10, 0, 50),
           rel(5, 0, "W", 10, 0, 50), rel(6, 0, "W", 1, 0, None), ev(7, 0, "end", op="put")]
    assert spec.check_trace(put).ok
    # node 11 linked after node 10 although its recorded key is smaller: list order decides
    more = put[:4] + [_link(5, 0, 11, 0, 10), acq(6, 0, "W", 11, 0, 3), rel(7, 0, "W", 11, 0, 3),
                      rel(8, 0, "W", 10, 0, 50), rel(9, 0, "W", 1, 0, None),
                      ev(10, 0, "end", op="put")]
    assert spec.check_trace(more).ok, spec.check_trace(more).describe()
    cases = [  # (events, rule, words of the message)
        (put[:1] + [_link(2, 0, 10, 0, None)] + put[3:], "pointers", "without write-holding"),
        (put[:4] + [_link(5, 0, 10, 0, None)], "pointers", "already linked or held"),
        (put[:4] + [acq(5, 0, "W", 12, 0, 60)], "order", "no link event placed"),
        ([ev(1, 0, "begin", op="get", key=5), acq(2, 0, "R", 1, 0, None), _link(3, 0, 10, 0, None)],
         "pointers", "get links"),
        (put[:4] + [_link(5, 0, 10, 0, None, "unlink")], "pointers", "put unlinks"),
    ]
    for events, rule, words in cases:
        r = spec.check_trace(events)
        assert not r.ok and r.violation.rule == rule and words in r.violation.message, \
            (rule, words, r.describe())
    delete = put[:6] + [ev(7, 0, "end", op="put"), ev(8, 1, "begin", op="delete", key=50),
                        acq(9, 1, "W", 1, 0, None), acq(10, 1, "W", 10, 0, 50),
                        _link(11, 1, 10, 0, None, "unlink"), rel(12, 1, "W", 10, 0, None),
                        rel(13, 1, "W", 1, 0, None), ev(14, 1, "end", op="delete")]
    assert spec.check_trace(delete).ok, spec.check_trace(delete).describe()
    again = delete[:13] + [acq(14, 1, "W", 10, 0, None)]
    r = spec.check_trace(again)
    assert not r.ok and r.violation.rule == "order", r.describe()
