"""_cengine.py — loads the C engine with ctypes and runs it on encoded histories.

The engine is the plain shared library built from checkers/engine/*.c (installed as
pybskip/checkers/_engine*.so; the environment variable PYBSKIP_CHECKERS_ENGINE=/path/lib.so
overrides the search). Its entry point, lc_check (engine/lc.h), takes the partitions of a history,
each a flat int64 array of OP_FIELDS words per operation, and checks them on `workers` threads.
`Encoded` accumulates those arrays (Encoded.add is the one builder of an operation's words),
the scan outputs (aux) and, for kv, one atom table shared by the partitions; `run` calls the
engine.

Invariants:
  * Every number shared with C — model ids, kinds, flags, field offsets, verdicts, reasons — is
    read from the library's lc_constants() at import (lc.h is their one definition); only
    ABI_VERSION is written here, and a library of another ABI, or whose field layout is not the
    one Encoded.add writes, is refused with ImportError.
  * Times handed to C are int64 and preserve the order and equality of the original timestamps:
    ints that fit are passed as they are, anything else (floats, huge ints) is rank-compressed.
  * A Python model's states are interned (equal keys -> one id; the initial state is id 0), so the
    engine's memo compares state ids exactly (lc.h invariant (1)).
  * Engine errors become EngineError, never a silent verdict; "unknown" always comes with the
    limit that was hit (UNKNOWN_REASONS).
"""
from __future__ import annotations

import ctypes
import glob
import os
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

ABI_VERSION = 4


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


_P64 = ctypes.POINTER(ctypes.c_int64)
STEP_CB = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, _P64, ctypes.c_int64)


class _Part(ctypes.Structure):
    # ops and aux are `const int64_t *` in C; typed c_char_p here so that packed bytes are
    # assigned without a cast (the Structure keeps them alive)
    _fields_ = [("ops", ctypes.c_char_p), ("n_ops", ctypes.c_int64), ("aux", ctypes.c_char_p),
                ("n_aux", ctypes.c_int64), ("lin_out", _P64), ("lin_len", ctypes.c_int64),
                ("stats", ctypes.c_int64 * 4), ("result", ctypes.c_int32), ("why", ctypes.c_int32)]


class _Options(ctypes.Structure):
    _fields_ = [("timeout_s", ctypes.c_double), ("max_memory", ctypes.c_int64),
                ("workers", ctypes.c_int32), ("stop_at_illegal", ctypes.c_int32)]


_lib = ctypes.CDLL(_find_library())
if _lib.lc_abi_version() != ABI_VERSION:
    raise ImportError("checker engine ABI %d, expected %d: rebuild it" % (_lib.lc_abi_version(), ABI_VERSION))
_lib.lc_check.argtypes = [ctypes.c_int, ctypes.POINTER(_Part), ctypes.c_int64, ctypes.c_char_p,
                          ctypes.c_void_p, ctypes.c_int64, STEP_CB, ctypes.POINTER(_Options), _P64]
_lib.lc_check.restype = ctypes.c_int
_lib.lc_strerror.argtypes = [ctypes.c_int]
_lib.lc_strerror.restype = ctypes.c_char_p
_lib.lc_constants.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_lib.lc_constants.restype = ctypes.c_size_t
_NO_CB = STEP_CB()  # a NULL function pointer: no callback (the built-in models)


def _constants() -> Dict[str, int]:
    n = _lib.lc_constants(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _lib.lc_constants(buf, n + 1)
    return {k: int(v) for k, v in (item.split("=") for item in buf.value.decode().split())}


CONST = _constants()
MODEL_IDS: Dict[str, int] = {k[6:]: v for k, v in CONST.items() if k.startswith("model:")}
"""The engine's models by name (lc.h LC_MODELS)."""
GET, PUT, CAS, APPEND, DELETE, SCAN, SELECT, RANK, INDEX, SCAN_DESC = (
    CONST["LC_" + k] for k in ("GET", "PUT", "CAS", "APPEND", "DELETE", "SCAN", "SELECT", "RANK",
                               "INDEX", "SCAN_DESC"))
PENDING, OUT_NONE = CONST["LC_PENDING"], CONST["LC_OUT_NONE"]
OP_FIELDS = CONST["LC_OP_FIELDS"]
VERDICTS = {CONST["LC_VERDICT_OK"]: "ok", CONST["LC_VERDICT_ILLEGAL"]: "illegal",
            CONST["LC_VERDICT_UNKNOWN"]: "unknown"}
UNKNOWN_REASONS = {CONST["LC_WHY_TIMEOUT"]: "timeout", CONST["LC_WHY_MEMORY_LIMIT"]: "memory limit",
                   CONST["LC_WHY_OUT_OF_MEMORY"]: "out of memory",
                   CONST["LC_WHY_CANCELLED"]: "cancelled"}
"""Why a partition is undecided: the deadline passed; the memo reached max_memory; an allocation
failed below it; an earlier partition was already illegal."""
_LAYOUT = ("F_CLIENT", "F_CALL", "F_RET", "F_KIND", "F_FLAGS", "F_A", "F_B", "F_C", "F_OUT", "F_AUX")
if [CONST[f] for f in _LAYOUT] != list(range(len(_LAYOUT))) or OP_FIELDS != len(_LAYOUT):
    raise ImportError("checker engine: its operation layout is not the one Encoded.add writes")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

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
    """Histories encoded for lc_check: the partitions closed so far (`parts`), the one being
    written (`ops` words, `aux` scan pairs, `n` operations) and the atoms (kv) they share."""

    __slots__ = ("ops", "aux", "atoms", "parts")

    def __init__(self) -> None:
        self.ops: List[int] = []
        self.aux: List[int] = []
        self.atoms: Dict[bytes, int] = {}
        self.parts: List[Tuple[List[int], List[int], int]] = []

    @property
    def n(self) -> int:
        """Operations in the partition being written."""
        return len(self.ops) // OP_FIELDS

    def add(self, call: int, ret: int, kind: int, flags: int, a: int = 0, b: int = 0, c: int = 0,
            out: int = 0, aux: int = 0) -> None:
        """Appends one operation: the one place that writes lc.h's word layout (F_CLIENT is
        display-only and 0; ret is ignored when flags has PENDING). O(1)."""
        self.ops += (0, call, ret, kind, flags, a, b, c, out, aux)

    def atom(self, content: bytes) -> int:
        """The id (1-based) of an atom with these bytes; equal bytes give equal ids. O(1)."""
        a = self.atoms.get(content)
        if a is None:
            a = self.atoms[content] = len(self.atoms) + 1
        return a

    def close_part(self) -> None:
        """Ends the partition being written; the next add starts a new one. O(1)."""
        self.parts.append((self.ops, self.aux, self.n))
        self.ops, self.aux = [], []

    def all_parts(self) -> List[Tuple[List[int], List[int], int]]:
        """The closed partitions, and the open one if it has operations."""
        return self.parts + ([(self.ops, self.aux, self.n)] if self.n or not self.parts else [])


def encode_times(ops: Sequence[Any]) -> Callable[[Any], int]:
    """A function mapping each of the ops' timestamps to an order-preserving int64. O(n log n)."""
    for op in ops:
        c, r = op.call, op.ret
        if type(c) is not int or not INT64_MIN <= c <= INT64_MAX or \
                (r is not None and (type(r) is not int or not INT64_MIN <= r <= INT64_MAX)):
            ranks = rank_times([o.call for o in ops] + [o.ret for o in ops if o.ret is not None])
            return ranks.__getitem__
    return int


@dataclass
class PartResult:
    """One partition's outcome: verdict, why it is unknown (UNKNOWN_REASONS, else None), the
    witness (ok) or longest partial linearization (op indices), search steps, memo entries."""

    verdict: str
    reason: Optional[str] = None
    lin: List[int] = field(default_factory=list)
    steps: int = 0
    memo: int = 0


def _pack(words: List[int]) -> bytes:
    try:
        return _packer(len(words)).pack(*words)
    except struct.error as exc:
        if "range" in str(exc):
            raise OverflowError("a key, value or time is outside the int64 range") from None
        raise TypeError("a key, value or time is not an int: %s" % exc) from None


def run(model: str, enc: Encoded, timeout: Optional[float], workers: int = 1,
        max_memory: Optional[int] = None, cb: Any = None, stop_at_illegal: bool = True
        ) -> Tuple[str, int, List[PartResult]]:
    """Checks every partition of `enc` with engine model `model` (a name of MODEL_IDS) in one
    lc_check call. Returns (the history's verdict, the index of the partition that decides it
    — the first illegal, else the first undecided; -1 when ok —, one PartResult per partition).
    With stop_at_illegal, partitions after the first illegal one may be left undecided
    ("cancelled"). Cost: the search (exponential worst case, memoised) plus O(n) marshalling."""
    parts = enc.all_parts()
    arr = (_Part * len(parts))()
    lins = []
    for p, (ops, aux, n) in zip(arr, parts):
        lin = (ctypes.c_int64 * (n or 1))()
        lins.append(lin)
        p.ops = _pack(ops)
        p.n_ops = n
        if aux:
            p.aux = _pack(aux)
            p.n_aux = len(aux)
        p.lin_out = lin
    if enc.atoms:
        blob = b"".join(enc.atoms)  # dict order is id order
        offs = array("q", [0])
        for content in enc.atoms:
            offs.append(offs[-1] + len(content))
        atoms = offs.buffer_info()[0]
    else:
        blob, atoms = b"", None
    opt = _Options(float(timeout or 0.0), int(max_memory or 0), max(1, int(workers)), int(stop_at_illegal))
    first = ctypes.c_int64(-1)
    rc = _lib.lc_check(MODEL_IDS[model], arr, len(parts), blob, atoms, len(enc.atoms),
                       cb if cb is not None else _NO_CB, ctypes.byref(opt), ctypes.byref(first))
    if rc not in VERDICTS:
        raise EngineError("checker engine: %s" % _lib.lc_strerror(rc).decode())
    out = []
    for p, lin in zip(arr, lins):
        v = VERDICTS[p.result]
        out.append(PartResult(v, UNKNOWN_REASONS.get(p.why) if v == "unknown" else None,
                              lin[:p.lin_len], p.stats[0], p.stats[1]))
    return VERDICTS[rc], first.value, out


def python_model_callback(init: Callable[[], Any], steps: Callable[[Any, int], Iterable[Any]],
                          key: Callable[[Any], Any], failure: List[BaseException]) -> Any:
    """The lc_step_cb of a Python model: steps(state, op_index) yields the successor states
    (none: illegal; a deterministic model yields at most one). States are interned by
    key(state), so equal states share one id; init() is id 0. An exception other than Illegal
    is stored in `failure` and stops the search (the caller re-raises it). Not thread-safe:
    run it with workers=1."""
    states: List[Any] = []
    ids: Dict[Any, int] = {}

    def intern(state: Any) -> int:
        k = key(state)
        i = ids.get(k)
        if i is None:
            i = ids[k] = len(states)
            states.append(state)
        return i

    def c_step(sid: int, index: int, succ: Any, cap: int) -> int:
        try:
            got = [intern(s) for s in steps(states[sid], index)]
        except Illegal:
            return 0
        except BaseException as exc:  # re-raised after the engine returns
            failure.append(exc)
            return -2
        for j, s in enumerate(got[:cap]):
            succ[j] = s
        return len(got)

    intern(init())
    return STEP_CB(c_step)
