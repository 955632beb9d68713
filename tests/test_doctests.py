"""test_doctests.py — every example in the installed package's docstrings runs and prints what it says.

What is checked: each docstring with examples in every module of the installed `pybskip` (found by
walking the package, so a new module is covered without editing this file) is one test, run by
doctest with its module's globals; a failing example fails that test with doctest's report.
Why a bug could not hide: the public surface promises a doctest per method (SkipMap at least), and
test_the_public_surface_has_examples fails if the collection finds too few to be real.
"""
import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import pybskip

SKIP_MODULES = {"pybskip._cffi_build"}  # a build script run by setup.py, not imported at runtime
# `__main__` modules run their command line when imported; compiled modules have no docstrings


def _modules():
    names = ["pybskip"] + [m.name for m in pkgutil.walk_packages(pybskip.__path__, "pybskip.")]
    python_sources = [n for n in sorted(names) if (importlib.util.find_spec(n).origin or "").endswith(".py")]
    return [importlib.import_module(n) for n in python_sources
            if n not in SKIP_MODULES and not n.endswith(".__main__")]


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for mod in _modules():
        for t in finder.find(mod, mod.__name__):
            if t.examples and t.filename and t.name.startswith(mod.__name__):
                found.append(t)
    return sorted(found, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_the_public_surface_has_examples():
    names = {t.name for t in DOCTESTS}
    assert len(DOCTESTS) >= 20, sorted(names)
    for must in ("pybskip", "pybskip.skipmap.SkipMap.floor_key", "pybskip.skipmap.SkipMap.put_many"):
        assert must in names, "no doctest for %s" % must


@pytest.mark.parametrize("test", DOCTESTS, ids=lambda t: t.name)
def test_docstring_examples(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = []
    result = runner.run(test, out=out.append, clear_globs=True)
    assert result.failed == 0, "".join(out)
    assert result.attempted == len(test.examples)
