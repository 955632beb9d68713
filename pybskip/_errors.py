"""_errors.py — the exceptions of pybskip and the mapping from core_c's error codes to them.

Invariant: every negative code core_c can return maps to one Python exception whose message names
the operation and the C error text; nothing is swallowed.
"""
from __future__ import annotations

from typing import Any, NoReturn


class CorruptionError(RuntimeError):
    """bskip_validate found a broken structural invariant (a bug in pybskip: please report it)."""


class NotSupportedError(RuntimeError):
    """The feature (lock tracing, schedule noise) is not compiled into this build."""


def raise_for(code: int, what: str, lib: Any) -> NoReturn:
    """Raises the exception for the negative core_c status `code` returned by operation `what`.

    `lib` is the cffi library of the build that returned the code (release or instrumented).
    """
    text = lib.bskip_strerror(code)
    message = "%s failed: %s (code %d)" % (what, _decode(text), code)
    if code == lib.BSKIP_ENOMEM:
        raise MemoryError(message)
    if code == lib.BSKIP_EINVAL:
        raise ValueError(message)
    if code == lib.BSKIP_ECORRUPT:
        raise CorruptionError(message)
    if code == lib.BSKIP_ENOTSUP:
        raise NotSupportedError(message)
    raise OSError(message)


def _decode(text: Any) -> str:
    """The C string `text` (a cffi char *) as str."""
    from ._bskip_cffi import ffi

    decoded: str = ffi.string(text).decode("utf-8", "replace")
    return decoded
