"""__main__.py — the command line of pybskip.spec (the only module that prints).

  python -m pybskip.spec prove              proved properties with solver times; exit 0, or the
                                            first counterexample and exit 1
  python -m pybskip.spec variants           one line per broken variant, `refuted` with its
                                            trace; exit 0 only if all are refuted
  python -m pybskip.spec bounded            bounded checks of the real protocol; exit 0 if all ok
  python -m pybskip.spec check-trace FILE   exit 0 conforms, 1 does not (first bad step printed),
                                            3 bad input (unreadable file or malformed event)
Exit status 2: usage error (argparse).
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

from . import bounded_checks, check_trace, prove, refute_variants
from .trace_check import TraceFormatError


def _prove() -> int:
    t0 = time.perf_counter()
    results = prove()
    for r in results:
        print(r.describe())
    bad = [r for r in results if not r.proved]
    print("%d/%d obligations proved in %.1fs (solver %.1fs)" % (
        len(results) - len(bad), len(results), time.perf_counter() - t0,
        sum(r.seconds for r in results)))
    return 1 if bad else 0


def _variants() -> int:
    results = refute_variants()
    for r in results:
        print(r.describe())
    return 0 if all(r.refuted for r in results) else 1


def _bounded() -> int:
    results = bounded_checks()
    for r in results:
        print(r.describe())
    return 0 if all(r.ok for r in results) else 1


def _check(path: str) -> int:
    try:
        report = check_trace(path)
    except (OSError, TraceFormatError) as exc:
        print("bad input: %s" % exc, file=sys.stderr)
        return 3
    print("%s: %s" % (path, report.describe()))
    return 0 if report.ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pybskip.spec",
                                 description="Z3 proof of pybskip's locking protocol")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prove", help="prove the protocol deadlock-free (unbounded)")
    sub.add_parser("variants", help="refute every known-broken variant with a trace")
    sub.add_parser("bounded", help="bounded checks of the real protocol in small scenes")
    ct = sub.add_parser("check-trace", help="check a lock trace (JSON Lines) from core_c")
    ct.add_argument("file")
    args = ap.parse_args(argv)
    if args.cmd == "prove":
        return _prove()
    if args.cmd == "variants":
        return _variants()
    if args.cmd == "bounded":
        return _bounded()
    return _check(args.file)


if __name__ == "__main__":
    sys.exit(main())
