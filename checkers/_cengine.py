"""_cengine.py — loads the C engine with ctypes and encodes histories for it.

The engine is the shared library built from checkers/engine/*.c (installed as
pybskip/checkers/_engine*.so; PYBSKIP_CHECKERS_ENGINE=/path/lib.so overrides). `run_builtin`
checks an encoded history against a built-in C model; `run_python_model` runs the same C search
with a model written in Python, whose init/step are ctypes callbacks over interned states.
Invariant: timestamps are rank-compressed to int64 preserving order and equality, so any numeric
clock (ints, floats) works; a pending operation's return is CK_PENDING (after everything).
"""
from __future__ import annotations

import ctypes
import glob
import os
from array import array
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

CK_OK, CK_ILLEGAL, CK_UNKNOWN = 0, 1, 2
CK_PENDING = 2**63 - 1
VERDICTS = {CK_OK: "ok", CK_ILLEGAL: "illegal", CK_UNKNOWN: "unknown"}
ERRORS = {-1: "out of memory", -2: "invalid history or model input", -3: "the model failed"}


class CkOp(ctypes.Structure):
    _fields_ = [("call", ctypes.c_int64), ("ret", ctypes.c_int64), ("client", ctypes.c_int32),
                ("kind", ctypes.c_int32), ("inp", ctypes.c_int64 * 3), ("out", ctypes.c_int64 * 2),
                ("out_known", ctypes.c_int32), ("out_len", ctypes.c_int32), ("out_off", ctypes.c_int64)]


class CkResult(ctypes.Structure):
    _fields_ = [("verdict", ctypes.c_int32), ("best_len", ctypes.c_int32),
                ("explored", ctypes.c_int64), ("best", ctypes.POINTER(ctypes.c_int64))]


INIT_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)
STEP_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)


class CkModel(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("init", INIT_FN), ("step", STEP_FN)]


class EngineError(RuntimeError):
    """The C engine reported an error (out of memory, invalid input, a failing model)."""


def _find_library() -> str:
    override = os.environ.get("PYBSKIP_CHECKERS_ENGINE")
    if override:
        return override
    here = Path(__file__).resolve().parent
    found = sorted(glob.glob(str(here / "_engine*.so")))
    if not found:
        raise ImportError("the checker engine (_engine*.so) is not built in %s: install the "
                          "package with `pip install .`" % here)
    return found[0]


_lib = ctypes.CDLL(_find_library())
_lib.ck_check_builtin.argtypes = [ctypes.c_int, ctypes.POINTER(CkOp), ctypes.c_size_t,
                                  ctypes.POINTER(ctypes.c_int64), ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_double, ctypes.c_int64, ctypes.POINTER(CkResult)]
_lib.ck_check_builtin.restype = ctypes.c_int
_lib.ck_check.argtypes = [ctypes.POINTER(CkOp), ctypes.c_size_t, ctypes.POINTER(CkModel),
                          ctypes.c_double, ctypes.c_int64, ctypes.POINTER(CkResult)]
_lib.ck_check.restype = ctypes.c_int


def rank_times(times: Sequence[Any]) -> Dict[Any, int]:
    """Maps each distinct timestamp to its rank (order and equality preserved)."""
    return {t: i for i, t in enumerate(sorted(set(times)))}


class Encoded:
    """ck_op array plus the side buffers (scan outputs, strings) of one history."""

    def __init__(self, n: int) -> None:
        self.ops = (CkOp * max(n, 1))()
        self.n = n
        self.side = array("q")
        self.strings = bytearray()

    def add_string(self, s: str) -> Tuple[int, int]:
        b = s.encode("utf-8")
        off = len(self.strings)
        self.strings += b
        return off, len(b)


def run_builtin(kind: int, enc: Encoded, timeout: Optional[float],
                max_states: int = 0) -> Tuple[str, List[int], int]:
    """Returns (verdict, longest partial linearization as op indices, configurations explored)."""
    best = (ctypes.c_int64 * max(enc.n, 1))()
    res = CkResult(0, 0, 0, ctypes.cast(best, ctypes.POINTER(ctypes.c_int64)))
    side = (ctypes.c_int64 * max(len(enc.side), 1)).from_buffer(enc.side) if len(enc.side) else \
        (ctypes.c_int64 * 1)()
    strings = bytes(enc.strings)
    rc = _lib.ck_check_builtin(kind, enc.ops, enc.n, side, strings, len(strings),
                               float(timeout or 0), max_states, ctypes.byref(res))
    if rc < 0:
        raise EngineError("checker engine: %s" % ERRORS.get(rc, "error %d" % rc))
    return VERDICTS[res.verdict], [best[i] for i in range(res.best_len)], res.explored


def run_python_model(enc: Encoded, init: Callable[[], Any], step: Callable[[Any, int], Any],
                     key: Callable[[Any], Any], timeout: Optional[float],
                     max_states: int = 0) -> Tuple[str, List[int], int]:
    """The C search with a Python model: step(state, op_index) returns the new state or raises
    _Illegal. States are interned by key(state) so equal states share one handle."""
    states: List[Any] = []
    handles: Dict[Any, int] = {}
    failure: List[BaseException] = []

    def intern(state: Any) -> int:
        k = key(state)
        h = handles.get(k)
        if h is None:
            h = handles[k] = len(states)
            states.append(state)
        return h

    def c_init(_ctx: Any) -> int:
        try:
            return intern(init())
        except BaseException as exc:  # reported after the search returns
            failure.append(exc)
            return -2

    def c_step(_ctx: Any, handle: int, index: int) -> int:
        try:
            new = step(states[handle], index)
        except Illegal:
            return -1
        except BaseException as exc:
            failure.append(exc)
            return -2
        return intern(new)

    model = CkModel(None, INIT_FN(c_init), STEP_FN(c_step))
    best = (ctypes.c_int64 * max(enc.n, 1))()
    res = CkResult(0, 0, 0, ctypes.cast(best, ctypes.POINTER(ctypes.c_int64)))
    rc = _lib.ck_check(enc.ops, enc.n, ctypes.byref(model), float(timeout or 0), max_states,
                       ctypes.byref(res))
    if failure:
        raise failure[0]
    if rc < 0:
        raise EngineError("checker engine: %s" % ERRORS.get(rc, "error %d" % rc))
    return VERDICTS[res.verdict], [best[i] for i in range(res.best_len)], res.explored


class Illegal(Exception):
    """Raised by a Python model's step when the operation's output is impossible."""
