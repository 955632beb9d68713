"""pybskip — a verified concurrent B-skiplist: an int64 -> int64 sorted map in C, used from Python.

    >>> import pybskip
    >>> m = pybskip.SkipMap()
    >>> m[5] = 50; m[1] = 10
    >>> list(m.items())
    [(1, 10), (5, 50)]

Subpackages: `pybskip.checkers` (linearizability checker), `pybskip.spec` (Z3 proof of the locking
protocol), `pybskip.testing` (concurrent history generation and execution). The console command
`pybskip verify` runs the whole verification against the installed library.
"""
from ._errors import CorruptionError, NotSupportedError
from .skipmap import ITER_CHUNK, SkipMap

__version__ = "0.1.0"
__all__ = ["SkipMap", "CorruptionError", "NotSupportedError", "ITER_CHUNK", "__version__"]
