"""test_checkers_counterexample.py — the counterexample contract on hand-made edge cases.

What is checked: a write called at the very instant a read returns (closed intervals: it may be
linearized first) is kept with that read, so the counterexample still contains the planted
wrong read instead of blaming the read of 1 on the deleted write of 1; the closure helper of the
tests agrees. Why a bug could not hide: with a strict `call < ret` rule the minimiser deletes the
write of 1 and reports the innocent read alone (the case a review found).
"""
from oracle import justifiers_kept
from pybskip.checkers import Operation, check
from pybskip.checkers.models import get_model


def test_a_write_called_when_a_read_returns_is_kept_with_it():
    w3 = Operation(0, {"f": "write", "value": 3}, None, 0, 1)
    r1 = Operation(1, {"f": "read"}, 1, 2, 10)
    planted = Operation(2, {"f": "read"}, None, 3, 4)  # reads None after write 3 returned: wrong
    w1 = Operation(3, {"f": "write", "value": 1}, None, 10, 20)  # called at r1's return instant
    assert check([w3, r1, Operation(2, {"f": "read"}, 3, 3, 4), w1], "cas-register").verdict == "ok"
    r = check([w3, r1, planted, w1], "cas-register")
    assert r.verdict == "illegal"
    cx = list(r.counterexample)
    assert any(o is planted for o in cx), r.describe()
    assert not any(o is r1 for o in cx) or any(o is w1 for o in cx), r.describe()
    assert justifiers_kept(cx, [w3, r1, planted, w1], get_model("cas-register"))
