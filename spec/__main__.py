"""__main__.py — the command line of pybskip.spec (the only module that prints). The same
subcommands are `pybskip prove | variants | bounded | check-trace` (add_spec_commands builds both).

  python -m pybskip.spec prove [--mutant M]  proved properties with solver times; exit 0, or each
                                            obligation not proved with its counterexample to
                                            induction, and exit 1
  python -m pybskip.spec variants           one line per broken variant, `refuted` with its
                                            trace; exit 0 only if all are refuted
  python -m pybskip.spec mutants [NAME...]  the spec's mutation suite: each mutant `refuted` with a
                                            counterexample to induction, then `spec mutants
                                            refuted: N/N`; exit 0 only if all are refuted
  python -m pybskip.spec bounded [--depth D]  bounded checks of the real protocol, to depth D
                                            (5..12, default 8); exit 0 if all ok
  python -m pybskip.spec check-trace FILE   the rules, then a replay through the model's
                                            transitions (replay.py; --no-replay: rules only,
                                            --coverage: transitions taken); exit 0 conforms and
                                            replays, 1 does not (first bad step printed), 3 bad
                                            input (unreadable file or malformed event)
Exit status 2: usage error (argparse); 130: interrupted.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, List, Optional

from .._cli_args import Parser, add_parser, int_range, parse, run_command

EXIT_BAD_INPUT = 3
DEPTH_MIN, DEPTH_MAX, DEPTH_DEFAULT = 5, 12, 8  # below 5 the non-vacuity scene cannot finish


def _prove(args: argparse.Namespace) -> int:
    from . import prove

    t0 = time.perf_counter()
    results = prove(args.mutant)
    for r in results:
        print(r.describe())
    bad = [r for r in results if not r.proved]
    print("%d/%d obligations proved in %.1fs (solver %.1fs)" % (
        len(results) - len(bad), len(results), time.perf_counter() - t0,
        sum(r.seconds for r in results)))
    return 1 if bad else 0


def _variants(args: argparse.Namespace) -> int:
    from . import refute_variants

    results = refute_variants()
    for r in results:
        print(r.describe())
    return 0 if all(r.refuted for r in results) else 1


def _mutants(args: argparse.Namespace) -> int:
    from .mutants import MUTANTS, refute_mutants

    unknown = [n for n in args.names if n not in MUTANTS]
    if unknown:
        args.parser.error("unknown mutant %s (known: %s)" % (", ".join(unknown), ", ".join(MUTANTS)))
    results = refute_mutants(args.names or None)
    for r in results:
        print(r.describe() if args.verbose else r.describe().splitlines()[0])
    n = sum(r.refuted for r in results)
    print("spec mutants refuted: %d/%d" % (n, len(results)))
    return 0 if n == len(results) else 1


def _bounded(args: argparse.Namespace) -> int:
    from . import bounded_checks

    results = bounded_checks(args.depth)
    for r in results:
        print(r.describe())
    return 0 if all(r.ok for r in results) else 1


def _check(args: argparse.Namespace) -> int:
    from . import check_trace
    from .replay import replay_trace
    from .trace_check import TraceFormatError, load_trace

    path = args.file
    try:
        with open(path, "rb"):
            pass
        events = load_trace(path)  # read once: the rules and the replay take the same events
        report = check_trace(events)
        print("%s: %s" % (path, report.describe()))
        if not report.ok:
            return 1
        if args.no_replay:
            print("%s: replay through the model: not run (--no-replay)" % path)
            return 0
        if not any(ev["ev"] == "request" for ev in events):
            print("%s: replay through the model: not run: the trace has no lock requests (only a "
                  "full recording, `pybskip trace FILE`, can be replayed); checked by the rules "
                  "only" % path)
            return 0
        replay = replay_trace(events)
    except (OSError, TraceFormatError, ValueError) as exc:
        print("%s: bad input: %s" % (args.parser.prog, exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    print("%s: %s" % (path, replay.describe()))
    if args.coverage or not replay.ok:
        from .model import Model
        from .universe import Universe

        names = [t.name for t in Model(Universe()).transitions]
        print("  transitions taken: %s" % ", ".join(
            "%s %d" % (n, replay.coverage[n]) for n in names if n in replay.coverage))
        print("  never taken: %s" % (", ".join(replay.uncovered(names)) or "none"))
    return 0 if replay.ok else 1


def add_spec_commands(sub: Any) -> None:
    """Adds prove, variants, bounded and check-trace to a subparsers action of a Parser: the one
    definition of their arguments, for `pybskip ...` and `python -m pybskip.spec ...`."""
    p = add_parser(sub, "prove", help="Z3: prove the locking protocol deadlock-free, for any "
                   "number of threads and any shape (exit 0 proved, 1 not)")
    from .model import VARIANTS
    p.add_argument("--mutant", choices=VARIANTS, default=None, metavar="NAME",
                   help="prove a known-broken model instead (%s): each obligation it fails is "
                   "printed with a concrete counterexample to induction" % ", ".join(VARIANTS))
    p.set_defaults(run=_prove, parser=p)
    p = add_parser(sub, "variants", help="Z3: refute every known-broken variant of the protocol "
                   "with a concrete trace (exit 0 all refuted, 1 not)")
    p.set_defaults(run=_variants, parser=p)
    p = add_parser(sub, "mutants", help="Z3: the spec's mutation suite; every broken model must "
                   "yield a concrete counterexample to induction (exit 0 all refuted, 1 not)")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these mutants (default: all)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print each counterexample, not just one line per mutant")
    p.set_defaults(run=_mutants, parser=p)
    p = add_parser(sub, "bounded", help="Z3: bounded checks of the real protocol in small scenes "
                   "(exit 0 all ok, 1 not)")
    p.add_argument("--depth", type=int_range(DEPTH_MIN, DEPTH_MAX), default=DEPTH_DEFAULT,
                   help="steps to unroll, %d..%d (default %d; the time grows steeply: about 10 s "
                   "at 5, 45 s at 8, 80 s at 9 on one core)" % (DEPTH_MIN, DEPTH_MAX, DEPTH_DEFAULT))
    p.set_defaults(run=_bounded, parser=p)
    p = add_parser(sub, "check-trace", help="check a lock trace (JSON Lines) recorded from core_c "
                   "against the protocol's rules and replay it through the model (exit 0 "
                   "conforms, 1 not, 3 bad input)")
    p.add_argument("file", help="the trace (pybskip trace FILE records one)")
    p.add_argument("--no-replay", action="store_true",
                   help="check the rules only, without replaying the trace through the model's "
                   "transitions (the replay takes about 10 ms per event)")
    p.add_argument("--coverage", action="store_true",
                   help="print which model transitions the replayed trace took, and which never")
    p.crash_exit = EXIT_BAD_INPUT
    p.set_defaults(run=_check, parser=p)


def _parser() -> Parser:
    ap = Parser(prog="python -m pybskip.spec", description="Z3 proof of pybskip's locking protocol")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    add_spec_commands(sub)
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    return run_command(parse(_parser(), argv))


if __name__ == "__main__":
    sys.exit(main())
