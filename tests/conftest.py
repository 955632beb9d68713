"""conftest.py — the tests exercise the *installed* pybskip, never the source tree.

The repository root holds a `pybskip/` source directory without its compiled extension; if the
root were on sys.path (as `python -m pytest` puts it), `import pybskip` would find that directory
instead of the installed package. We drop the root from sys.path before anything imports pybskip,
and fail loudly if the installed package is missing.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() != ROOT]

try:
    import pybskip  # noqa: F401
except ImportError as exc:  # pragma: no cover - a setup error, reported as such
    raise ImportError("pybskip is not installed: run `pip install '.[test]'` first (%s)" % exc) from exc
