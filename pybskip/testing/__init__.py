"""pybskip.testing — concurrent history testing of the B-skiplist: programs, executor, checking.

    from pybskip.testing import build_program, run_program
    events = run_program(build_program(random.Random(1).randint))

`strategies.programs()` (needs Hypothesis) draws programs for property tests; `hunt` runs a
budgeted search for non-linearizable histories (what `pybskip verify` and ci/mutants.py use).
"""
from .executor import Engine, Event, StructureError, run_program
from .program import DELETE, GET, INDEX, PUT, RANK, SCAN, SCAN_DESC, SELECT, Op, Program, build_program

__all__ = ["Engine", "Event", "StructureError", "run_program", "Op", "Program", "build_program",
           "GET", "PUT", "DELETE", "SCAN", "SELECT", "RANK", "INDEX", "SCAN_DESC"]
