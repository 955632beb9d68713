"""_cengine.py — loads the C engine with ctypes and runs it on encoded histories.

The engine is the plain shared library built from checkers/engine/*.c (installed as
pybskip/checkers/_engine*.so; the environment variable PYBSKIP_CHECKERS_ENGINE=/path/lib.so
overrides the search). Its one entry point, lc_check (engine/lc.h), takes a history as a flat
int64 array of LC_OP_FIELDS words per operation; `Encoded` accumulates that array (and, for scans,
the aux array; for kv, the atom table) and `run_builtin` / `run_python_model` call the engine.

Invariants:
  * Times handed to C are int64 and preserve the order and equality of the original timestamps:
    ints that fit are passed as they are, anything else (floats, huge ints) is rank-compressed.
  * A Python model's states are interned (equal keys -> one id; the initial state is id 0), so the
    engine's memo compares state ids exactly (lc.h invariant (1)).
  * Engine errors become EngineError (or MemoryError), never a silent verdict.
"""
from __future__ import annotations

import ctypes
import glob
import os
import struct
from array import array
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

ABI_VERSION = 1
OP_FIELDS = 10
F_CLIENT, F_CALL, F_RET, F_KIND, F_FLAGS, F_A, F_B, F_C, F_OUT, F_AUX = range(OP_FIELDS)
PENDING, OUT_NONE = 1, 2
GET, PUT, CAS, APPEND, DELETE, SCAN = range(6)
REGISTER, CAS_REGISTER, KV, SORTEDMAP, CALLBACK = range(5)
VERDICTS = {0: "ok", 1: "illegal", 2: "unknown"}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class EngineError(RuntimeError):
    """The C engine reported an error (invalid encoded input, a state space too large)."""


class Illegal(Exception):
    """Raised by a Python model's step (through `check`) when an output is impossible."""


def _find_library() -> str:
    override = os.environ.get("PYBSKIP_CHECKERS_ENGINE")
    if override:
        return override
    here = Path(__file__).resolve().parent
    found = sorted(glob.glob(str(here / "_engine*.so")))
    if not found:
        raise ImportError("the checker engine (_engine*.so) is not built in %s: install the package "
                          "(`pip install .`) or set PYBSKIP_CHECKERS_ENGINE=/path/to/lib.so" % here)
    return found[0]


STEP_CB = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
_P64 = ctypes.POINTER(ctypes.c_int64)
_lib = ctypes.CDLL(_find_library())
if _lib.lc_abi_version() != ABI_VERSION:
    raise ImportError("checker engine ABI %d, expected %d: rebuild it" % (_lib.lc_abi_version(), ABI_VERSION))
_lib.lc_check.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p,
                          ctypes.c_int64, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int64, STEP_CB,
                          ctypes.c_double, _P64, _P64, _P64]
_lib.lc_check.restype = ctypes.c_int
_lib.lc_strerror.argtypes = [ctypes.c_int]
_lib.lc_strerror.restype = ctypes.c_char_p
_NO_CB = STEP_CB()  # a NULL function pointer: no callback (the built-in models)


_PACKERS: Dict[int, struct.Struct] = {}


def _packer(n: int) -> struct.Struct:
    """A cached struct packing n native int64 words (packing a list is ~3x faster than array())."""
    p = _PACKERS.get(n)
    if p is None:
        if len(_PACKERS) > 512:
            _PACKERS.clear()
        p = _PACKERS[n] = struct.Struct("=%dq" % n)
    return p


def rank_times(times: Sequence[Any]) -> Dict[Any, int]:
    """Maps each distinct timestamp to its rank (order and equality preserved). O(n log n)."""
    return {t: i for i, t in enumerate(sorted(set(times)))}


class Encoded:
    """A history encoded for lc_check: `ops` (flat words), `aux` (scan pairs), atoms (kv)."""

    __slots__ = ("ops", "aux", "atoms", "n")

    def __init__(self) -> None:
        self.ops: List[int] = []
        self.aux: List[int] = []
        self.atoms: Dict[bytes, int] = {}
        self.n = 0

    def atom(self, content: bytes) -> int:
        """The id (1-based) of an atom with these bytes; equal bytes give equal ids. O(1)."""
        a = self.atoms.get(content)
        if a is None:
            a = self.atoms[content] = len(self.atoms) + 1
        return a


def encode_times(ops: Sequence[Any]) -> Callable[[Any], int]:
    """A function mapping each of the ops' timestamps to an order-preserving int64. O(n log n)."""
    for op in ops:
        c, r = op.call, op.ret
        if type(c) is not int or not INT64_MIN <= c <= INT64_MAX or \
                (r is not None and (type(r) is not int or not INT64_MIN <= r <= INT64_MAX)):
            ranks = rank_times([o.call for o in ops] + [o.ret for o in ops if o.ret is not None])
            return ranks.__getitem__
    return int


def _call(model: int, enc: Encoded, timeout: Optional[float], cb: Any) -> Tuple[int, List[int], List[int]]:
    n = enc.n
    try:
        ops = _packer(len(enc.ops)).pack(*enc.ops)
        aux = _packer(len(enc.aux)).pack(*enc.aux) if enc.aux else None
    except struct.error as exc:
        if "range" in str(exc):
            raise OverflowError("a key, value or time is outside the int64 range") from None
        raise TypeError("a key, value or time is not an int: %s" % exc) from None
    blob = b"".join(enc.atoms)  # dict order is id order
    offs = array("q", [0])
    for content in enc.atoms:
        offs.append(offs[-1] + len(content))
    lin = (ctypes.c_int64 * max(n, 1))()
    lin_len = ctypes.c_int64(0)
    stats = (ctypes.c_int64 * 4)()
    rc = _lib.lc_check(model, ops if n else None, n, aux, len(enc.aux), blob, offs.buffer_info()[0], len(enc.atoms),
                       cb, float(timeout or 0.0), lin, ctypes.byref(lin_len), stats)
    return rc, list(lin[:lin_len.value]), list(stats)


def _verdict(rc: int) -> str:
    if rc in VERDICTS:
        return VERDICTS[rc]
    if rc == -1:
        return "unknown"  # out of memory: no verdict rather than a wrong one
    raise EngineError("checker engine: %s" % _lib.lc_strerror(rc).decode())


def run_builtin(model: int, enc: Encoded, timeout: Optional[float]) -> Tuple[str, List[int], int]:
    """Checks an encoded history with a built-in C model.

    Returns (verdict, longest partial linearization as op indices, search steps).
    Cost: the search (exponential worst case, memoised) plus O(n) marshalling.
    """
    rc, lin, stats = _call(model, enc, timeout, _NO_CB)
    return _verdict(rc), lin, stats[0]


def run_python_model(enc: Encoded, init: Callable[[], Any], step: Callable[[Any, int], Any],
                     key: Callable[[Any], Any], timeout: Optional[float]) -> Tuple[str, List[int], int]:
    """The C search with a model written in Python.

    step(state, op_index) returns the successor state or raises Illegal. States are interned by
    key(state), so equal states share one id; init() is id 0. Exceptions other than Illegal
    stop the search and are re-raised here.
    """
    states: List[Any] = []
    ids: Dict[Any, int] = {}
    failure: List[BaseException] = []

    def intern(state: Any) -> int:
        k = key(state)
        i = ids.get(k)
        if i is None:
            i = ids[k] = len(states)
            states.append(state)
        return i

    def c_step(sid: int, index: int) -> int:
        try:
            return intern(step(states[sid], index))
        except Illegal:
            return -1
        except BaseException as exc:  # re-raised after the engine returns
            failure.append(exc)
            return -2

    intern(init())
    cb = STEP_CB(c_step)
    rc, lin, stats = _call(CALLBACK, enc, timeout, cb)
    if failure:
        raise failure[0]
    return _verdict(rc), lin, stats[0]
