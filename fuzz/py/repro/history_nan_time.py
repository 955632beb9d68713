"""history_nan_time.py — reproducer: the JSON Lines reader accepts NaN (and Infinity) as an
operation's call or return time (Python's json allows them), producing an Operation whose
interval is meaningless (call=nan: neither before nor after anything); it should raise
HistoryFormatError naming the line and the field. Found by fuzz/py/fuzz_history.py.
Exit status 1 while NaN is accepted, 0 once the reader rejects it.
"""
import os
import sys
import tempfile

from pybskip.checkers import History, HistoryFormatError

path = os.path.join(tempfile.mkdtemp(), "h.jsonl")
with open(path, "w") as f:
    f.write('{"client": 0, "call": NaN, "return": 5, "input": {"f": "get", "key": 1}, "output": null}\n')
try:
    h = History.load(path)
except HistoryFormatError as exc:
    print("ok:", exc)
    sys.exit(0)
print("BUG: read %r" % (h[0],))
sys.exit(1)
