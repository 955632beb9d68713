"""pybskip — a verified concurrent B-skiplist: an int64 -> int64 sorted map in C, used from Python.

    >>> import pybskip
    >>> m = pybskip.SkipMap()
    >>> m[5] = 50; m[1] = 10
    >>> list(m.items())
    [(1, 10), (5, 50)]

Subpackages: `pybskip.checkers` (linearizability checker), `pybskip.spec` (Z3 proof of the locking
protocol), `pybskip.testing` (concurrent history generation and execution). The console command
`pybskip verify` runs the whole verification against the installed library.

Imported from a source checkout (Python puts the current directory first on sys.path, so this
happens whenever a command runs at the checkout's root): the checkout's `pybskip/` has no compiled
modules unless `pip install -e .` built them in place, and `checkers/` and `spec/` sit beside it
rather than inside it. In that case this file hands the import over to the installed package (the
first `pybskip` on sys.path outside the checkout), or, when none is installed, raises ImportError
naming the fix. Invariant: `import pybskip` yields either a package with its compiled modules or
an ImportError; never a half-built package.
"""
import sys
from importlib import machinery, util
from pathlib import Path

__version__ = "0.1.0"


def _handed_to_installed() -> bool:
    """True when this is an unbuilt source checkout and the installed package replaced it in
    sys.modules (the import statement then returns that one). O(len(sys.path))."""
    here = Path(__file__).resolve().parent
    checkout = here.parent
    if not (checkout / "core_c").is_dir() or any(here.glob("_bskip_cffi*")):
        return False  # an installed package, or a checkout built in place (pip install -e .)
    others = [p for p in sys.path if Path(p or ".").resolve() != checkout]
    spec = machinery.PathFinder.find_spec(__name__, others)
    if spec is None or spec.loader is None or spec.origin is None \
            or Path(spec.origin).resolve().parent == here:
        raise ImportError(
            "pybskip is being imported from its source checkout %s, which has no compiled modules "
            "and no installed copy to defer to: run `pip install -e .` there (builds them in place), "
            "or `pip install .` (then the checkout hands imports over to the installed package)"
            % checkout)
    installed = util.module_from_spec(spec)
    sys.modules[__name__] = installed
    spec.loader.exec_module(installed)
    return True


if not _handed_to_installed():
    from ._errors import CorruptionError, NotSupportedError
    from .skipmap import ITER_CHUNK, SkipMap

__all__ = ["SkipMap", "CorruptionError", "NotSupportedError", "ITER_CHUNK", "__version__"]
