"""_cli_args.py — the parser class and argument checks shared by every pybskip command line.

`pybskip ...` (pybskip/cli.py), `python -m pybskip.checkers ...` and `python -m pybskip.spec ...`
build their subcommands with the same functions, so each option is defined once. Every option is
checked while the arguments are parsed (or, for what needs the file system, right after, before
any work starts): a bad value ends in argparse's usage line and `PROG: error: ...` with the
command's usage exit status (2, argparse's; 3 for `check`, whose 2 means "unknown"), never in a
traceback.
Invariant: a type function here either returns a valid value or raises ArgumentTypeError.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, List, NoReturn, Optional, Sequence, TextIO

# A seed ends up in bskip_options.seed (a uint64_t: 0 selects the core's fixed default seed) as well
# as in random.Random; the uint64 range is the one every use accepts.
SEED_MAX = 2**64 - 1
EXIT_INTERRUPTED = 130
EXIT_USAGE = 2  # argparse's usage exit; `check` documents 3 (checkers/cli.py)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit with `usage_exit` (argparse's 2 unless a command
    documents another), and whose subcommands can say how an unexpected error exits
    (`crash_exit`)."""

    usage_exit = 2
    crash_exit = 1

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_exit, "%s: error: %s\n" % (self.prog, message))


def parse(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """parse_args, except that unrecognized arguments are reported by the subcommand that got them
    (with its usage line and its exit status), not by the top-level parser."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        owner = getattr(args, "parser", None) or parser
        owner.error("unrecognized arguments: %s" % " ".join(extra))
    return args


def run_command(args: argparse.Namespace, err: TextIO = sys.stderr) -> int:
    """Runs the subcommand parsed into `args` (its `run` default) and returns its exit status: an
    unexpected exception becomes one line on stderr and the command's `crash_exit`, Ctrl-C a short
    message and 130. No traceback reaches the user."""
    owner = getattr(args, "parser", None)
    prog = owner.prog if owner is not None else "pybskip"
    try:
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        print("%s: interrupted" % prog, file=err)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug or an environment problem: one line, no traceback
        print("%s: error: %s: %s" % (prog, type(exc).__name__, exc), file=err)
        return int(getattr(owner, "crash_exit", 1))


# ---- value types ---------------------------------------------------------------------------------

def int_range(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a decimal integer in lo..hi."""
    def parse_int(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not an integer" % text) from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError("%d is out of range: it must be %d..%d" % (value, lo, hi))
        return value
    return parse_int


def seed_type() -> Callable[[str], int]:
    """An argparse type for seeds: 0..2^64-1 (see SEED_MAX)."""
    return int_range(0, SEED_MAX)


def float_range(lo: float, hi: float, *, lo_open: bool = False,
                low_hint: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number in [lo, hi] ((lo, hi] with lo_open). `low_hint` is added
    to the message for a value below lo (say why lo is the least)."""
    def parse_float(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a number" % text) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError("%r is not a finite number" % text)
        if value < lo or (lo_open and value == lo):
            bound = ("greater than %g" if lo_open else "at least %g") % lo
            raise argparse.ArgumentTypeError("%g is too small: it must be %s%s" % (value, bound, low_hint))
        if value > hi:
            raise argparse.ArgumentTypeError("%g is too large: it must be at most %g" % (value, hi))
        return value
    return parse_float


def positive_float(hi: float = 1e9) -> Callable[[str], float]:
    return float_range(0.0, hi, lo_open=True)


def readable_path(text: str) -> str:
    """An argparse type: an existing file that can be read, or a directory that can be listed."""
    path = Path(text)
    try:
        if path.is_dir():
            os.listdir(path)
        else:
            with open(path, "rb"):
                pass
    except OSError as exc:
        raise argparse.ArgumentTypeError("cannot read %s: %s" % (text, exc.strerror or exc)) from None
    return text


def writable_dir_error(path: Path) -> Optional[str]:
    """Creates `path` (and its parents) if needed and checks that a file can be written in it.
    Returns None when it can, else what is wrong (for parser.error)."""
    try:
        if path.exists() and not path.is_dir():
            return "%s exists and is not a directory" % path
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return "cannot write to the directory %s: %s" % (path, exc.strerror or exc)
    return None


def writable_file_error(path: Path) -> Optional[str]:
    """Checks that `path` can be written as a file (its directory exists and takes a new file; it
    is not a directory). Returns None when it can, else what is wrong. Writes nothing at `path`."""
    try:
        if path.is_dir():
            return "%s is a directory" % path
        parent = path.parent
        if not parent.is_dir():
            return "cannot write %s: the directory %s does not exist" % (path, parent)
        if path.exists():
            with open(path, "ab"):
                pass
        else:
            with tempfile.TemporaryFile(dir=parent):
                pass
    except OSError as exc:
        return "cannot write %s: %s" % (path, exc.strerror or exc)
    return None


def subcommands(parser: argparse.ArgumentParser) -> List[str]:
    """The names of `parser`'s subcommands, in the order they were added (for tests and help)."""
    names: List[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.extend(action.choices)
    return names


def add_parser(sub: Any, name: str, **kwargs: Any) -> Parser:
    """sub.add_parser, typed: every pybskip parser is a Parser."""
    p = sub.add_parser(name, **kwargs)
    assert isinstance(p, Parser), "subcommands must be added to a pybskip Parser"
    return p
