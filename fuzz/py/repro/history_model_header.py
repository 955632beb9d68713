"""history_model_header.py — reproducer: a JSON Lines history whose header names a model that
does not exist (here -1) is read without error, and check() on it then raises
ValueError("unknown model -1 ...") instead of the reader raising HistoryFormatError naming the
file, the line and the field. Found by fuzz/py/fuzz_history.py (input history_model_header.bin).
Exit status 1 while the reader accepts the header, 0 once it raises HistoryFormatError.
"""
import os
import sys
import tempfile

from pybskip.checkers import History, HistoryFormatError

path = os.path.join(tempfile.mkdtemp(), "h.jsonl")
with open(path, "w") as f:
    f.write('{"format": "pybskip-history", "version": 1, "model": -1}\n')
    f.write('{"client": 0, "call": 0, "return": 1, "input": {"f": "get", "key": 1}, "output": null}\n')
try:
    h = History.load(path)
except HistoryFormatError as exc:
    print("ok:", exc)
    sys.exit(0)
print("BUG: read a history with model %r; check() will raise ValueError" % (h.model,))
sys.exit(1)
