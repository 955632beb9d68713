"""history_scan_output.py — reproducer: check() on a sortedmap history whose scan output is not a
list of [key, value] pairs (here the int 7) raises TypeError from models.validate instead of
ModelInputError naming the operation. Found by fuzz/py/fuzz_history.py
(input history_scan_output_float.bin: the same with a float). Exit status 1 while TypeError
escapes, 0 once ModelInputError is raised.
"""
import sys

from pybskip.checkers import ModelInputError, Operation, check

ops = [Operation(0, {"f": "scan", "lo": 0, "hi": 4}, 7, 0, 1)]
try:
    check(ops, "sortedmap")
except ModelInputError as exc:
    print("ok:", exc)
    sys.exit(0)
except TypeError as exc:
    print("BUG: TypeError %s" % exc)
    sys.exit(1)
print("BUG: accepted")
sys.exit(1)
