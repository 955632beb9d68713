"""The spec's mutation suite (spec/mutants.py) and counterexamples on failed obligations (cti.py).

What is checked: every spec mutant — the broken models free_named, down_any, split_left,
scan_couple, the broken invariant drop_one_left, and the five variants of variants.py — is refuted
with a concrete counterexample to induction: a state with nodes and threads, the step a thread
takes, and the conjunct that is false after it. The obligation diff is exact (scan_couple changes
one obligation, step scan_next; the real model diffed against itself changes none). A failed
obligation of the unbounded prover comes back with its CTI (not just `unknown`), and the CLI
prints `spec mutants refuted: N/N` and exits 0 only when all are refuted, 2 on an unknown name.
Why a bug could not hide: `refuted` needs a Z3 model of the counterexample query; a mutant the
proof cannot see reports NOT REFUTED. Made to fail once on purpose: with drop_one_left dropping only
the "one left neighbour" conjunct (which the ghost left pointer implies over finite states) the
mutant was NOT REFUTED — an equivalent mutant; it now drops both forms (spec/mutants.py says why).
"""
import subprocess
import sys

import pytest

spec = pytest.importorskip("pybskip.spec")


def test_every_spec_mutant_is_refuted_with_a_counterexample():
    from pybskip.spec.mutants import MUTANTS, refute_mutants

    results = refute_mutants()
    assert [r.name for r in results] == list(MUTANTS)
    assert {"free_named", "down_any", "split_left", "scan_couple", "drop_one_left", "upgrade",
            "bottom_up", "left", "scan_rtl", "parent_early"} <= set(MUTANTS)
    for r in results:
        assert r.refuted, r.describe()
        assert r.cti is not None and r.cti.before and r.cti.step, r.describe()
        text = r.describe()
        assert "counterexample to induction" in text and "thread T" in text, text
        assert "after it, '%s' is false" % r.cti.goal in text, text
        assert r.obligation in r.changed


def test_the_obligation_diff_is_exact():
    from pybskip.spec.mutants import changed_obligations

    changed = changed_obligations("scan_couple")
    assert [ob.key for ob, _ in changed] == ["step scan_next"]
    free = {ob.key for ob, _ in changed_obligations("free_named")}
    # its guard changed: also the supply obligation of that step, and progress at DN (where the
    # step is taken), whose enabledness goals contain the guard
    assert free == {"step del_n_unlink", "order del_n_unlink", "two-phase del_n_unlink",
                    "restarts del_n_unlink", "supply del_n_unlink", "progress DN"}


def test_a_failed_obligation_comes_with_its_counterexample():
    from pybskip.spec.proof import _check, build
    from pybskip.spec.universe import Universe

    ob = build(Universe(), "free_named", only="step del_n_unlink")[0]
    r = _check(ob, "free_named", timeout_ms=3000)
    assert not r.proved and r.cti is not None, r.describe()
    text = r.describe()
    assert "NOT PROVED" in text and "takes 'del_n_unlink'" in text and "FREED" in text, text
    assert r.cti.goal == r.goal


def test_mutants_cli(tmp_path):
    run = [sys.executable, "-m", "pybskip", "mutants"]
    p = subprocess.run(run + ["scan_couple", "-v"], capture_output=True, text=True, timeout=300,
                       cwd=str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "spec mutants refuted: 1/1" in p.stdout and "takes 'scan_next'" in p.stdout, p.stdout
    p = subprocess.run(run + ["no_such_mutant"], capture_output=True, text=True, timeout=60,
                       cwd=str(tmp_path))
    assert p.returncode == 2 and "no_such_mutant" in p.stderr and "Traceback" not in p.stderr
