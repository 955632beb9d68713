"""cli.py — `check FILE|DIR [...]`: verdicts for people and for CI (`pybskip check` and its alias
`python -m pybskip.checkers check`, both built by add_check_command).

    check FILE [--format auto|<a format of formats.FORMAT_REGISTRY>] [--model <models.MODEL_NAMES>]
               [--init VALUE] [--timeout SECONDS] [--html OUT.html] [--json] [--no-partition]
               [--workers N] [--max-memory SIZE]
    check DIR [the same] [--workers N | --scheduler ADDRESS]
prints one verdict line (`linearizable`, `NOT linearizable` or `unknown`) and, for a failing
history, its faithful minimal counterexample as a per-client timeline and its first failure, with
file lines; stderr names the format read (and whether it was detected). --json prints the result
as one JSON object instead (one per line for a directory). --timeout bounds each history's whole
check (verdict, counterexample, report). With a directory it checks every
file in it (sorted; VERDICTS.txt, README* and hidden files skipped), showing progress on stderr,
then prints a summary table; --html then names a directory that receives one page per failure.
With --workers N or --scheduler ADDRESS the files are checked in parallel (many.check_many: a
Dask LocalCluster of N processes or an existing cluster; local processes without Dask); a file
whose worker died is reported "lost" and counts as unknown.
Exit codes (the worst over all files): 0 linearizable, 1 NOT linearizable, 2 unknown,
3 bad input or usage (unreadable/malformed file, unknown model, bad flag, --html not writable).
Invariant: every flag and the paths are checked before any history is read (usage line and
`error: ...`, exit 3); library errors are caught and turned into one line on stderr and exit
code 3; no traceback reaches the user.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from .._cli_args import (Parser, add_parser, int_range, parse, positive_float, readable_path,
                         run_command, writable_dir_error, writable_file_error)
from ..cluster import ClusterError
from .check import Result, check
from .edn import EdnError, read_all
from .formats import FORMAT_REGISTRY, FORMATS
from .history import History, HistoryFormatError
from .jepsen_edn import plain
from .many import check_many
from .models import MODEL_NAMES, ModelInputError

EXIT = {"ok": 0, "illegal": 1, "unknown": 2}
EXIT_USAGE = 3
SKIP = ("VERDICTS.txt",)
TIMEOUT_MAX = 7 * 86400.0


def add_check_command(sub: Any) -> Parser:
    """Adds the `check` subcommand to a subparsers action of a Parser; the one definition of its
    arguments, used by `pybskip check` and `python -m pybskip.checkers check`."""
    c = add_parser(sub, "check", help="check a history file, or every file in a directory, for "
                   "linearizability (exit 0 ok, 1 not, 2 unknown, 3 bad input)",
                   description="Checks a history (or every file in a directory) for linearizability. "
                   "Exit status: 0 linearizable, 1 NOT linearizable, 2 unknown (timeout), "
                   "3 bad input or usage.")
    c.usage_exit = EXIT_USAGE
    c.crash_exit = EXIT_USAGE
    c.add_argument("path", type=readable_path, help="history file or directory")
    c.add_argument("--format", default="auto", choices=FORMATS,
                   help="; ".join("%s: %s" % (f.name, f.summary) for f in FORMAT_REGISTRY.values())
                   + " (default auto: detected from the first line, and named on stderr)")
    c.add_argument("--model", choices=MODEL_NAMES, default=None, metavar="MODEL",
                   help="one of %s; default: the format's (%s), else sortedmap" % (
                       ", ".join(MODEL_NAMES), ", ".join("%s for %s" % (f.default_model, f.name)
                                                         for f in FORMAT_REGISTRY.values() if f.default_model)))
    c.add_argument("--init", type=_init_value, default=None, metavar="VALUE",
                   help="initial value of register-like models, as EDN or JSON (default nil, as Knossos)")
    c.add_argument("--timeout", type=positive_float(TIMEOUT_MAX), default=None,
                   help="seconds per history for the whole check: verdict, counterexample, report "
                        "(default none)")
    c.add_argument("--html", default=None, help="write the visualisation here (a directory for DIR)")
    c.add_argument("--json", action="store_true", help="print the result as one JSON object")
    c.add_argument("--no-partition", action="store_true", help="check without P-compositional split")
    c.add_argument("--workers", type=int_range(1, 1024), default=None,
                   help="for a FILE: threads checking its partitions in parallel (default: the "
                        "cores available); for a DIR: worker processes checking its files in "
                        "parallel (a Dask LocalCluster with pybskip[cluster], else local "
                        "processes); verdicts and counterexamples do not depend on it")
    c.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with a DIR: check its files on the Dask cluster of this scheduler "
                        "(tcp://HOST:8786; workers: `dask worker ADDRESS`, pybskip installed)")
    c.add_argument("--max-memory", type=memory_size, default=None, metavar="SIZE",
                   help="memory the search may take (bytes, or with K/M/G: 4G); reaching it gives "
                        "'unknown (memory limit)' (default half the physical memory)")
    c.set_defaults(run=run_check, parser=c)
    return c


def _parser() -> Parser:
    p = Parser(prog="python -m pybskip.checkers", description="Linearizability checker.")
    p.usage_exit = EXIT_USAGE
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_check_command(sub)
    return p


def _init_value(text: str) -> Any:
    """--init: an EDN (or JSON) scalar or collection, keywords as their names."""
    try:
        forms = read_all(text)
    except EdnError as exc:
        raise argparse.ArgumentTypeError("not an EDN value: %s" % exc.message) from None
    if len(forms) != 1:
        raise argparse.ArgumentTypeError("expected one EDN value, got %d" % len(forms))
    return plain(forms[0])


_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def memory_size(text: str) -> int:
    """--max-memory: a number of bytes, optionally with K, M, G or T (powers of 1024; an
    optional trailing B or iB): "4G", "512MiB", "1000000"."""
    t = text.strip().upper()
    for suffix in ("IB", "B"):
        if len(t) > len(suffix) and t.endswith(suffix) and t[-len(suffix) - 1] in "KMGT":
            t = t[:-len(suffix)]
            break
    unit = t[-1:] if t[-1:] in _UNITS and t[-1:].isalpha() else ""
    try:
        value = float(t[:len(t) - len(unit)])
    except ValueError:
        raise argparse.ArgumentTypeError("not a size: %r (say e.g. 4G, 512M or a number of bytes)" % text) from None
    size = int(value * _UNITS[unit])
    if not value > 0 or size < 1 or size > 2**62:
        raise argparse.ArgumentTypeError("a size must be between 1 byte and 4 EiB, got %r" % text)
    return size


def _check_one(path: Path, args: argparse.Namespace, announce: bool = True) -> Result:
    history = History.load(path, args.format, args.model, args.init)
    if announce:
        how = "detected" if args.format == "auto" else "as given"
        print("%s: format %s (%s), %d operations" % (path.name, history.format, how, len(history)),
              file=sys.stderr)
    return check(history, args.model, args.timeout, partition=not args.no_partition, init=args.init,
                 workers=args.workers, max_memory=args.max_memory)


def _files(directory: Path) -> List[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.name.startswith((".", "README")) and p.name not in SKIP)


def _progress(i: int, n: int, name: str) -> None:
    width = 30
    done = width * i // max(n, 1)
    sys.stderr.write("\r[%s%s] %d/%d %-40s" % ("#" * done, "." * (width - done), i, n, name[:40]))
    sys.stderr.flush()


def _run_dir(directory: Path, args: argparse.Namespace) -> int:
    files = _files(directory)
    rows: List[Tuple[str, str, int, float]] = []
    worst = 0
    html_dir = Path(args.html) if args.html else None
    # in this process without --workers/--scheduler, else on a pool (many.check_many)
    verdicts = check_many(files, args.model, format=args.format, init=args.init,
                          timeout=args.timeout, partition=not args.no_partition,
                          max_memory=args.max_memory, workers=args.workers,
                          scheduler=args.scheduler, progress=_progress,
                          say=lambda line: print(line, file=sys.stderr))
    for v in verdicts:
        r = v.result
        if r is not None:
            verdict, n = r.verdict, len(r.history)
            if args.json:
                print(json.dumps(r.to_json()))
            if html_dir and r.verdict == "illegal":
                r.to_html(html_dir / (v.path.name + ".html"))
        else:
            verdict, n = "%s: %s" % (v.verdict, v.error), 0
            if args.json:
                print(json.dumps({"history": v.path.name, "verdict": v.verdict, "error": v.error}))
        rows.append((v.path.name, verdict, n, v.seconds))
        # a lost file (its worker died) has no verdict: it counts as undecided, like unknown
        worst = max(worst, EXIT["unknown"] if v.verdict == "lost" else EXIT.get(verdict, EXIT_USAGE))
    _progress(len(files), len(files), "done")
    sys.stderr.write("\n")
    if args.json:
        return worst
    label = {"ok": "linearizable", "illegal": "NOT linearizable", "unknown": "unknown"}
    w = max([len(r[0]) for r in rows] + [4])
    print("%-*s  %-18s %6s %9s" % (w, "file", "verdict", "ops", "seconds"))
    for name, verdict, n, secs in rows:
        print("%-*s  %-18s %6d %9.4f" % (w, name, label.get(verdict, verdict), n, secs))
    counts = {v: sum(1 for r in rows if r[1] == k) for k, v in label.items()}
    lost = sum(1 for r in rows if r[1].startswith("lost"))
    bad = sum(1 for r in rows if r[1] not in label) - lost
    print("%d files: %d linearizable, %d NOT linearizable, %d unknown, %d bad input%s; %.3f s"
          % (len(rows), counts["linearizable"], counts["NOT linearizable"], counts["unknown"], bad,
             ", %d lost (their worker died)" % lost if lost else "", sum(r[3] for r in rows)))
    return worst


def run_check(args: argparse.Namespace) -> int:
    """The `check` command on parsed arguments; returns the exit code (see the module doc)."""
    path = Path(args.path)
    is_dir = path.is_dir()
    if args.html:
        problem = (writable_dir_error if is_dir else writable_file_error)(Path(args.html))
        if problem:
            args.parser.error("argument --html: %s" % problem)
    if args.scheduler is not None and not is_dir:
        args.parser.error("argument --scheduler: works with a DIR of histories (one FILE is "
                          "checked here, its partitions on --workers threads)")
    try:
        if is_dir:
            return _run_dir(path, args)
        r = _check_one(path, args)
    except ClusterError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    except (HistoryFormatError, ModelInputError, ValueError, OSError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        if args.json:
            print(json.dumps({"history": path.name, "verdict": "bad input", "error": str(exc)}))
        return EXIT_USAGE
    print(json.dumps(r.to_json()) if args.json else r.describe())
    if args.html:
        try:
            r.to_html(args.html)
        except OSError as exc:
            print("error: writing %s: %s" % (args.html, exc), file=sys.stderr)
            return EXIT_USAGE
        print("html: %s" % args.html)
    return EXIT[r.verdict]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m pybskip.checkers`: returns the exit code (see the module doc)."""
    return run_command(parse(_parser(), argv))
