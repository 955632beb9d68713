#!/usr/bin/env python3
"""fuzz_history.py — atheris target for the checker's history readers (pybskip.checkers).

    python fuzz/py/fuzz_history.py [atheris/libFuzzer flags] [CORPUS_DIR]   (fuzz; needs atheris)
    python fuzz/py/fuzz_history.py --replay FILE_OR_DIR...                  (no atheris needed)

The input's first bytes pick a format argument ("auto" or any name of the format registry,
pybskip.checkers.formats.FORMAT_REGISTRY) and a way to build the file: the raw remaining bytes
(any encoding, any garbage), or lines assembled from each format's own tokens (JSON objects with
the history fields and odd values — NaN, huge ints, strings, nesting; Porcupine EDN maps; Jepsen
log lines; Jepsen EDN event maps with nested vectors, sets, tags, records) so that inputs get past
the first line. The file is read with read_history(path, format). Contract checked:
  - it returns a History, or raises HistoryFormatError (the documented error, naming file and
    line); any other exception escapes and the fuzzer reports it;
  - a History that was read has call <= return for every completed operation, survives
    save() + load() as JSON Lines unchanged, and, when it has at most MAX_CHECK operations,
    check(history, timeout=1) gives a verdict ("ok" | "illegal" | "unknown") or raises
    ModelInputError (an operation the model does not know) — nothing else.
"""
from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from byte_reader import ByteReader  # noqa: E402

try:
    import atheris
except ImportError:  # replay works without it
    atheris = None

if atheris is not None and __name__ == "__main__" and "--replay" not in sys.argv:
    with atheris.instrument_imports():
        from pybskip.checkers import BUILTIN, History, HistoryFormatError, ModelInputError, check
        from pybskip.checkers.formats import FORMATS
else:
    from pybskip.checkers import BUILTIN, History, HistoryFormatError, ModelInputError, check
    from pybskip.checkers.formats import FORMATS

# Known, reported bugs (reproducers in fuzz/py/repro/); until they are fixed the target steps
# around them so that fuzzing goes on (FUZZ_HISTORY_STRICT=1 turns the detours off):
#  A history_model_header.py: the JSONL reader accepts any JSON value as the header's "model"
#    (-1, [], NaN, 0): check() then raises ValueError, and save() drops falsy ones;
#  B history_scan_output.py: check() raises TypeError/IndexError, not ModelInputError, for a scan
#    whose output is not a list of [key, value] pairs (e.g. 7);
#  C history_nan_time.py: the JSONL reader accepts NaN and Infinity as call/return times.
STRICT = os.environ.get("FUZZ_HISTORY_STRICT") == "1"


def known_bug(h) -> bool:
    """Does the history hit bug A, B or C above?"""
    if h.model is not None and not (isinstance(h.model, str) and h.model in BUILTIN):
        return True  # A
    for op in h:
        for t in (op.call, op.ret):
            if isinstance(t, float) and not math.isfinite(t):
                return True  # C
        if op.f == "scan" and not op.pending and op.output is not None and not (
                isinstance(op.output, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in op.output)):
            return True  # B
    return False

MAX_CHECK = 8
_DIR = tempfile.mkdtemp(prefix="fuzz_history_", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
atexit.register(shutil.rmtree, _DIR, True)
PATH = os.path.join(_DIR, "history.txt")
ROUND = os.path.join(_DIR, "roundtrip.jsonl")

ODD = [None, True, 0, -1, 7, 2 ** 63, -(2 ** 64), 10 ** 30, 1.5, float("nan"), float("inf"), "",
       "k", "7", [], [1, 2], [[1, 2]], {}, {"f": "get"}]
FUNCS = ["get", "put", "delete", "scan", "read", "write", "cas", "append", "x", ""]


def jsonl_line(r: ByteReader) -> str:
    """One JSON object with the history fields, each sometimes missing or of an odd type."""
    def pick(good):
        t = r.u8()
        return good if t < 170 else ODD[t % len(ODD)]
    obj = {}
    if r.u8() % 16 == 0:
        obj = {"format": "pybskip-history", "version": 1, "model": pick("sortedmap")}
        return json.dumps(obj)
    call = r.u8() % 20
    fields = [("client", pick(r.u8() % 4)), ("call", pick(call)),
              ("return", pick(None if r.u8() % 6 == 0 else call + r.u8() % 6)),
              ("input", pick({"f": FUNCS[r.u8() % len(FUNCS)], "key": pick(r.u8() % 4),
                              "value": pick(r.u8() % 4), "lo": pick(0), "hi": pick(4),
                              "from": pick(1), "to": pick(2)})),
              ("output", pick(r.u8() % 4 if r.u8() & 1 else [[1, r.u8() % 4]]))]
    for k, v in fields:
        if r.u8() % 12:
            obj[k] = v
    return json.dumps(obj)  # NaN and Infinity are written as JSON's extensions


def porcupine_line(r: ByteReader) -> str:
    kind = [":invoke", ":ok", ":fail", ":info", ":x"][r.u8() % 5]
    f = [":get", ":put", ":append", ":read", ":zz"][r.u8() % 5]
    val = ['"v%d"' % (r.u8() % 3), "nil", "7", '"a\\"b"', ":kw"][r.u8() % 5]
    return '{:process %d, :type %s, :f %s, :key "%d", :value %s}' % (r.u8() % 4, kind, f, r.u8() % 3, val)


def jepsen_line(r: ByteReader) -> str:
    kind = [":invoke", ":ok", ":fail", ":info", ":nope"][r.u8() % 5]
    f = [":read", ":write", ":cas", ":del"][r.u8() % 4]
    val = ["nil", str(r.u8() % 5), "[%d %d]" % (r.u8() % 3, r.u8() % 3), ":timed-out", "[1]", "x"][r.u8() % 6]
    return "INFO  jepsen.util - %d\t%s\t%s\t%s" % (r.u8() % 4, kind, f, val)


EDN_VALUES = ["nil", "1", "-2", "[1 2]", "[:k 3]", "[:k [1 2]]", "#{1 2}", '"s\\n"', ":kw", "\\c",
              "[[:read :x nil] [:write :y 2]]", "#inst \"2024-01-01T00:00:00Z\"", "1/2", "2.5M", "(1 2)",
              "{:a 1}", "#_ 1 2", "[", "]"]


def edn_line(r: ByteReader) -> str:
    """One Jepsen EDN event map (sometimes a record, sometimes missing fields)."""
    kind = [":invoke", ":ok", ":fail", ":info", ":nope", '"ok"'][r.u8() % 6]
    f = [":read", ":write", ":cas", ":acquire", ":release", ":txn", ":get"][r.u8() % 7]
    proc = [str(r.u8() % 4), ":nemesis", "nil"][r.u8() % 3]
    fields = [":type %s" % kind, ":f %s" % f, ":process %s" % proc,
              ":value %s" % EDN_VALUES[r.u8() % len(EDN_VALUES)], ":index %d" % r.u8(), ":time %d" % r.u8()]
    body = ", ".join(x for x in fields if r.u8() % 10)
    return ("#jepsen.history.Op{%s}" if r.u8() % 4 == 0 else "{%s}") % body


def build(r: ByteReader) -> bytes:
    mode = r.u8() % 6
    if mode == 0:
        return r.data[r.pos:]
    makers = [jsonl_line, porcupine_line, jepsen_line, edn_line]
    maker = (makers + [None])[mode - 1]
    lines = ["["] if maker is edn_line and r.u8() % 2 else []
    for _ in range(r.u8() % 12):
        m = maker or makers[r.u8() % len(makers)]
        lines.append(m(r) if r.u8() % 10 else ["", "# c", "garbage", "{", "\x00"][r.u8() % 5])
    if lines[:1] == ["["] and r.u8() % 4:
        lines.append("]")
    return "\n".join(lines).encode("utf-8")


def TestOneInput(data: bytes) -> None:
    r = ByteReader(data)
    fmt = FORMATS[r.u8() % len(FORMATS)]
    with open(PATH, "wb") as f:
        f.write(build(r))
    try:
        h = History.load(PATH, fmt)
    except HistoryFormatError:
        return
    if not STRICT and known_bug(h):
        return
    for op in h:
        if op.ret is not None and not op.ret >= op.call:
            raise AssertionError("operation returns before its call: %r" % (op,))
    h.save(ROUND)
    back = History.load(ROUND, "jsonl")
    same = [json.dumps(o.to_json(), sort_keys=True) for o in sorted(h, key=key)]
    again = [json.dumps(o.to_json(), sort_keys=True) for o in sorted(back, key=key)]
    if same != again or back.model != h.model:
        raise AssertionError("save/load changed the history:\n%s\n%s" % (same, again))
    if len(h) <= MAX_CHECK:
        try:
            res = check(h, timeout=1.0, minimize_timeout=1.0)
        except ModelInputError:
            return
        if res.verdict not in ("ok", "illegal", "unknown"):
            raise AssertionError("verdict %r" % (res.verdict,))
        res.describe()


def key(op):
    return (op.call if not (isinstance(op.call, float) and math.isnan(op.call)) else 0, str(op.client),
            json.dumps(op.to_json(), sort_keys=True))


def replay(paths) -> int:
    n = 0
    for p in paths:
        files = [os.path.join(p, f) for f in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
        for f in files:
            with open(f, "rb") as fh:
                TestOneInput(fh.read())
            n += 1
    print("replayed %d inputs" % n)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        sys.exit(replay(sys.argv[2:]))
    if atheris is None:
        sys.exit("atheris is not installed (pip install atheris); use --replay to run a corpus")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
