"""test_histories.py — concurrent programs drawn by Hypothesis, run on real pthreads in C, checked
for linearizability.

What is generated: programs of 2-8 threads with 1-12 operations each (get, put, delete, scan of
varied width and limit) over 4-40 keys, so threads collide on keys and nodes, after 0-80 setup
puts that give the map several levels and full nodes (256-byte nodes, 10 keys each, so splits,
merges and unlinks happen inside a dozen operations). Each program runs RUNS times on fresh maps,
with schedule noise (random spins and yields at every lock acquire/release) in the instrumented
build, so the same program meets many interleavings.
What is checked: every history against the sequential specification of a sorted map (the
checker's `sortedmap` model: get/put/delete return the previous value, a scan returns an atomic
snapshot of its range, cut at its limit) — it must be linearizable — and the structure validates
at quiescence after every run.
Why a bug could not hide: the executor's timestamps bracket each operation's real effect
(test_executor.py), so a history the checker rejects is a real violation; on failure Hypothesis
shrinks the program, the checker minimises the history, and both are printed with the path of the
saved JSON Lines + HTML counterexample. ci/mutants.py shows that known-wrong variants of the core
are caught by exactly this machinery.
"""
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from pybskip.testing import Engine, run_program
from pybskip.testing.check import check_events, save_failure
from pybskip.testing.strategies import programs

RUNS = 12
ENGINE = Engine.load()
OUT = Path(os.environ.get("PYBSKIP_COUNTEREXAMPLES", "counterexamples"))


@settings(max_examples=int(os.environ.get("PYBSKIP_HISTORY_EXAMPLES", "60")), deadline=None,
          derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs())
def test_concurrent_histories_are_linearizable(program):
    for run in range(RUNS):
        events = run_program(program, ENGINE, noise=3, seed=run + 1)
        outcome = check_events(events, timeout=10.0)
        if outcome.verdict == "illegal":
            paths = save_failure(outcome, OUT)
            raise AssertionError("history not linearizable (run %d)\nprogram:\n%s\n%s\nsaved: %s"
                                 % (run, program, outcome.describe(), ", ".join(map(str, paths))))
        assert outcome.verdict == "ok", "checker gave %r on a %d-op history" % (outcome.verdict, len(events))
