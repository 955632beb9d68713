"""pybskip.spec — a Z3 model of the B-skiplist's top-down locking protocol, its proof, and a
conformance checker for lock traces recorded from the C code. See spec/README.md.

Public API (used by `pybskip verify`, and by `pybskip prove|variants|bounded|check-trace` alias
`python -m pybskip.spec ...`, whose arguments __main__.add_spec_commands defines):
  prove(part=(k, n), progress=f) -> list[ProofResult]  unbounded inductive proof (order invariant,
                                            wait-for rank, no deadlock, safe reclamation, two-phase
                                            scans), or its k-th of n parts; each result has .name,
                                            .proved, .seconds, .counterexample, .cti (a concrete
                                            counterexample to induction when not proved)
  refute_mutants() -> list[MutantResult]    the spec's mutation suite: every broken model refuted
                                            with a counterexample to induction (mutants.py)
  refute_variants() -> list[VariantResult]  every broken variant refuted by a concrete Z3 trace;
                                            each has .name, .refuted, .bad, .trace, .describe()
  bounded_checks(depth=8) -> list[BoundedCheck]  the real protocol in small scenes: deadlock and
                                            use after free unreachable, every thread can finish
  check_trace(path_or_events) -> TraceReport  .ok, .violation (seq, thread, rule, message),
                                            .describe(); raises TraceFormatError on bad input
Invariant: importing this package does no solving; every function runs its queries on call.
"""
from .bounded import Scene, Trace
from .cti import Cti, find_cti
from .mutants import MutantResult, refute_mutants
from .proof import ProofResult, prove
from .trace_check import TraceFormatError, TraceReport, Violation, check_trace, load_trace
from .variants import BoundedCheck, VariantResult, bounded_checks, refute_variants

__all__ = ["prove", "ProofResult", "Cti", "find_cti", "refute_mutants", "MutantResult",
           "refute_variants", "VariantResult", "bounded_checks", "BoundedCheck", "check_trace",
           "load_trace", "TraceReport", "Violation", "TraceFormatError", "Scene", "Trace"]
