"""cli.py — the `pybskip` console command: one command line for everything the package does.

  pybskip verify [--seconds S] [--threads N] [--seed N] [--out DIR] [--programs N]
                 [--workers [N] | --scheduler ADDRESS]
        the whole verification of the installed library within S seconds (default 180, at least
        _verify.min_seconds(): 150 on 2 CPUs); exit 0 verified, 1 not, 2 usage or an unusable
        cluster (pybskip/_verify.py; the hunt on a Dask cluster: pybskip/cluster.py)
  pybskip check FILE|DIR [--format F] [--model M] [--timeout S] [--html OUT] [--no-partition]
        [--workers N] [--max-memory SIZE] [--scheduler ADDRESS]
        linearizability of recorded histories; exit 0 ok, 1 not, 2 unknown, 3 bad input or usage
  pybskip prove | variants | bounded [--depth D] | check-trace FILE
        the Z3 model of the locking protocol; exit 0 holds, 1 not (check-trace: 3 bad input)
  pybskip trace FILE [--threads N] [--ops N] [--seed N] [--check]
        record a lock trace of the real C code running a random concurrent program
  pybskip bench [ARGS ...]
        the Python benchmarks (the arguments of python -m pybskip.bench)
  pybskip bench-checker [ARGS ...]
        the checker on generated long kv histories beside Porcupine's figures
        (python -m pybskip.checkers.bench_checker)
Aliases with the same arguments and exit codes (one definition: checkers/cli.py and
spec/__main__.py build those subcommands for both): `python -m pybskip.checkers check ...`,
`python -m pybskip.spec prove|variants|bounded|check-trace ...`; `python -m pybskip` is `pybskip`.
Every option is checked before any work starts (usage line and `error: ...`, exit 2; 3 for
check); no command ends in a traceback; Ctrl-C exits 130.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any, List, Optional, Sequence

from ._cli_args import (EXIT_INTERRUPTED, EXIT_USAGE, Parser, add_parser, float_range, int_range, parse,
                        run_command, seed_type, writable_dir_error, writable_file_error)
from ._verify import (DEFAULT_SECONDS, MAX_SECONDS, ClusterOptions, mandatory_seconds, min_seconds,
                      verify)


def _run_verify(args: argparse.Namespace) -> int:
    problem = writable_dir_error(args.out)
    if problem:
        args.parser.error("argument --out: %s" % problem)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    cluster = None
    if args.scheduler is not None or args.workers is not None:
        if args.scheduler is not None and args.workers is not None:
            args.parser.error("--workers and --scheduler exclude each other (a scheduler's "
                              "workers are started with `dask worker ADDRESS`)")
        from .cluster import ClusterError, fallback_note, have_distributed, open_pool, pool_size

        if args.scheduler is not None:  # fail now, not after the Z3 work: reach it, ask versions
            try:
                open_pool(scheduler=args.scheduler).close()
            except ClusterError as exc:
                print("error: %s" % exc, file=sys.stderr)
                return EXIT_USAGE
        elif not have_distributed():
            print(fallback_note(pool_size(args.workers)), flush=True)
        cluster = ClusterOptions(args.workers or None, args.scheduler)
    return verify(args.seconds, args.threads, seed, args.out, start=getattr(args, "start", None),
                  cluster=cluster, programs=args.programs)


def _run_trace(args: argparse.Namespace) -> int:
    problem = writable_file_error(args.file)
    if problem:
        args.parser.error("argument FILE: %s" % problem)
    from .testing.trace import record_trace

    events = record_trace(args.file, threads=args.threads, max_ops=args.ops, seed=args.seed)
    print("%d lock events from %d threads written to %s" % (events, args.threads, args.file))
    if not args.check:
        return 0
    from .spec.__main__ import _check  # the rules, then the replay: as `pybskip check-trace`

    return _check(argparse.Namespace(file=args.file, no_replay=False, coverage=False,
                                     parser=args.parser))


def _add_verify(sub: Any) -> None:
    least = min_seconds()
    v = add_parser(sub, "verify", help="verify the installed library: proof, bounded scenes, "
                   "variants, a lock trace and concurrent histories, within --seconds "
                   "(exit 0 verified, 1 not)",
                   description="Verifies the installed library within a time budget and prints "
                   "a summary table. Exit status: 0 verified, 1 not, 2 usage, 130 interrupted.")
    v.add_argument("--seconds", type=float_range(least, MAX_SECONDS, low_hint=(
        " (the proof, the variants, the spec mutants and the bounded scenes at depth 5 need "
        "about %.0f s on this machine's CPUs)" % mandatory_seconds())), default=DEFAULT_SECONDS,
        help="time budget of the whole run, %g..%g (default %g); the bounded depth grows with "
             "it" % (least, MAX_SECONDS, DEFAULT_SECONDS))
    v.add_argument("--threads", type=int_range(2, 64), default=8,
                   help="max threads per program, 2..64 (default 8)")
    v.add_argument("--seed", type=seed_type(), default=None,
                   help="random seed, 0..2^64-1 (default: drawn and printed)")
    v.add_argument("--out", type=Path, default=Path("pybskip-verify"),
                   help="directory for traces and counterexamples, created if needed "
                        "(default ./pybskip-verify)")
    v.add_argument("--workers", type=int_range(0, 4096), nargs="?", const=0, default=None,
                   metavar="N", help="run the history hunt on a Dask LocalCluster of N worker "
                   "processes (N omitted or 0: the cores; needs pybskip[cluster], else local "
                   "processes)")
    v.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the history hunt on the Dask cluster of this scheduler "
                        "(tcp://HOST:8786; workers: `dask worker ADDRESS`, pybskip installed)")
    v.add_argument("--programs", type=int_range(1, 10**9), default=None, metavar="N",
                   help="the hunt's work size: N programs, all of which must be checked within "
                        "the budget (default: as many as the budget buys)")
    v.set_defaults(run=_run_verify, parser=v)


def _add_trace(sub: Any) -> None:
    t = add_parser(sub, "trace", help="record a lock trace (JSON Lines) of the real C code "
                   "running a random concurrent program",
                   description="Runs a random program on real pthreads with the instrumented "
                   "core and writes every lock acquire/release to FILE (format in "
                   "core_c/include/bskip_testing.h); `pybskip check-trace FILE` checks it.")
    t.add_argument("file", type=Path, metavar="FILE", help="where to write the trace")
    t.add_argument("--threads", type=int_range(2, 64), default=4, help="threads, 2..64 (default 4)")
    t.add_argument("--ops", type=int_range(1, 10000), default=60,
                   help="max operations per thread, 1..10000 (default 60)")
    t.add_argument("--seed", type=seed_type(), default=1, help="random seed, 0..2^64-1 (default 1)")
    t.add_argument("--check", action="store_true",
                   help="also check the trace against the model (exit 1 if it does not conform)")
    t.set_defaults(run=_run_trace, parser=t)


def build_parser() -> Parser:
    """The `pybskip` parser: every subcommand, each defined once (the aliases build theirs with
    the same functions)."""
    from .checkers.cli import add_check_command
    from .spec.__main__ import add_spec_commands

    p = Parser(prog="pybskip", description="pybskip: a verified concurrent B-skiplist. Every "
               "command of the package; `pybskip COMMAND --help` for its options.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_verify(sub)
    add_check_command(sub)
    add_spec_commands(sub)
    _add_trace(sub)
    add_parser(sub, "bench", add_help=False, help="the Python benchmarks (the arguments of "
               "`python -m pybskip.bench`; `pybskip bench --help` lists them)")
    add_parser(sub, "bench-checker", add_help=False, help="the checker on generated long histories "
               "beside Porcupine's figures (the arguments of `python -m pybskip.checkers.bench_checker`)")
    return p


def _run_bench(argv: List[str]) -> int:
    from .bench import main as bench_main

    code = bench_main(argv)
    return int(code or 0)


def _run_bench_checker(argv: List[str]) -> int:
    from .checkers.bench_checker import main as bench_main

    return int(bench_main(argv) or 0)


_OWN_PARSERS = {"bench": _run_bench, "bench-checker": _run_bench_checker}
"""Subcommands whose own parser takes every argument after their name."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The console entry point; returns the exit status (see the module doc)."""
    start = time.monotonic()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        own = _OWN_PARSERS.get(args_list[0]) if args_list else None
        if own is not None:  # its own parser takes every argument after the subcommand
            ns = argparse.Namespace(run=lambda _: own(args_list[1:]), parser=None)
            return run_command(ns)
        args = parse(build_parser(), args_list)
    except KeyboardInterrupt:
        print("pybskip: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    args.start = start
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
