"""_buffers.py — turns what users pass to the batch calls into int64 arrays C can read.

Accepted: NumPy arrays (any integer dtype; int64 C-contiguous ones are used without a copy),
any object with the buffer protocol whose items are 8-byte signed integers (array('q'),
memoryview), `bytes`/`bytearray` read as native-endian int64, and any iterable of Python ints.
Errors are raised before C sees anything: a non-integer element -> TypeError, an integer outside
int64 -> OverflowError, a byte string whose length is not a multiple of 8 -> ValueError.
"""
from __future__ import annotations

from array import array
from typing import Any, Tuple

from ._bskip_cffi import ffi

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_INT64_FORMATS = {"q", "<q", "=q", "@q", "l", "<l", "=l", "@l"}


def is_numpy(obj: Any) -> bool:
    """True for a NumPy ndarray (checked without importing NumPy)."""
    return type(obj).__module__ == "numpy" and type(obj).__name__ == "ndarray"


def int64_view(obj: Any, name: str) -> Tuple[Any, int, object]:
    """Returns (cdata int64_t*, length, keepalive) for `obj`; see the module doc for what is accepted.

    `obj` is any object: what it is is checked here, at run time (TypeError, OverflowError,
    ValueError as the module doc says); the keepalive must outlive every use of the pointer.

    O(1) for int64 buffers (no copy), O(n) otherwise.
    """
    if is_numpy(obj):
        return _from_numpy(obj, name)
    if isinstance(obj, (bytes, bytearray)):
        if len(obj) % 8:
            raise ValueError("%s: a byte string of %d bytes is not a whole number of int64 values"
                             % (name, len(obj)))
        return ffi.from_buffer("int64_t[]", obj), len(obj) // 8, obj
    try:
        view = memoryview(obj)
    except TypeError:
        view = None
    if view is not None:
        if view.format in _INT64_FORMATS and view.itemsize == 8 and view.c_contiguous:
            return ffi.from_buffer("int64_t[]", view), len(view), view
        obj = view.tolist()
    return _from_iterable(obj, name)


def _from_iterable(obj: Any, name: str) -> Tuple[Any, int, object]:
    try:
        values = array("q", obj)
    except TypeError as exc:
        if isinstance(obj, (str, dict)) or not hasattr(obj, "__iter__"):
            raise TypeError("%s must be a buffer or an iterable of int, got %s"
                            % (name, type(obj).__name__)) from None
        raise TypeError("%s: every element must be an int (%s)" % (name, exc)) from None
    except OverflowError:
        raise OverflowError("%s: an element is outside the int64 range [%d, %d]"
                            % (name, INT64_MIN, INT64_MAX)) from None
    return ffi.from_buffer("int64_t[]", values), len(values), values


def _from_numpy(arr: Any, name: str) -> Tuple[Any, int, object]:
    import numpy as np

    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.dtype.kind not in "iub":
        raise TypeError("%s: NumPy array of dtype %s is not an integer array" % (name, arr.dtype))
    if arr.dtype != np.int64:
        if arr.dtype.kind == "u" and arr.size and int(arr.max()) > INT64_MAX:
            raise OverflowError("%s: an element is outside the int64 range" % name)
        arr = arr.astype(np.int64)
    arr = np.ascontiguousarray(arr)
    return ffi.from_buffer("int64_t[]", arr), int(arr.size), arr
