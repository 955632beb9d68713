"""Every known-broken variant of the locking protocol is refuted by Z3 with a concrete trace.

What is generated: for each variant (read->write upgrade, bottom-up promotion, left sibling while
holding the right one, scans right to left, parent released before the child is locked) Z3
searches all interleavings and choices of a small scene. What is checked: it reaches the bad state
(deadlock: every unfinished thread blocked; or a lock held on a freed node) and the trace names the
threads and locks. Why a bug could not hide: were the model vacuous (no step enabled, a wrong
lock rule) no trace would exist and `refuted` would be False. Made to fail once on purpose by
running the upgrade scene without the variant (no trace: not refuted).
"""
import pytest

spec = pytest.importorskip("pybskip.spec")


def test_every_variant_is_refuted_with_a_trace():
    results = spec.refute_variants()
    assert {r.name for r in results} == {"upgrade", "bottom_up", "left", "scan_rtl",
                                         "parent_early"}
    for r in results:
        assert r.refuted, r.describe()
        assert r.trace is not None and len(r.trace.steps) >= 4
        text = r.describe()
        assert "refuted" in text
        if r.bad == "deadlock":
            assert "blocked by" in text
        else:
            assert "FREED" in text and "frees" in text


def test_correct_protocol_does_not_reach_the_upgrade_deadlock():
    from pybskip.spec.bounded import Bmc
    from pybskip.spec.variants import CASES, TARGETS

    case = [c for c in CASES if c.name == "upgrade"][0]
    r = Bmc(case.scene, None).search("deadlock", TARGETS["deadlock"], case.max_depth)
    assert not r.found and not r.unknown
