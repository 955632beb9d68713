"""test_packaging.py — the installed distribution is what a user depends on.

What is checked: a command run at the checkout's root imports the *installed* package (the
checkout's unbuilt `pybskip/` hands over to it), and an unbuilt checkout with nothing installed
fails with an ImportError naming the fix rather than a half-built package; the metadata carries the
SPDX licence, the LICENSE file and a classifier for every Python version CI runs; the pytest plugin
and console script are declared. (Building the sdist and wheel and installing each in a fresh venv
is ci/package.sh's job: it needs a network-free build of its own.)
Why a bug could not hide: each check runs a real interpreter in the directory a user would use, or
reads the metadata pip installed.
"""
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CI_PYTHONS = ("3.9", "3.11", "3.13")  # .ci/run runs the suite on each


def _run(args, cwd, flags=()):
    return subprocess.run([sys.executable, *flags, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_checkout_root_imports_the_installed_package():
    p = _run(["-c", "import pybskip; m = pybskip.SkipMap(); m[1] = 2; print(pybskip.__file__, m[1])"], ROOT)
    assert p.returncode == 0, p.stderr
    where, value = p.stdout.split()
    assert value == "2"
    built_in_place = any((ROOT / "pybskip").glob("_bskip_cffi*"))
    assert built_in_place or not Path(where).resolve().is_relative_to(ROOT), where


def test_checkers_cli_runs_from_the_checkout_root():
    p = _run(["-m", "pybskip.checkers", "--help"], ROOT)
    assert p.returncode == 0 and "usage:" in p.stdout, p.stderr


def test_unbuilt_checkout_without_an_install_names_the_fix(tmp_path):
    (tmp_path / "core_c").mkdir()
    (tmp_path / "pybskip").mkdir()
    shutil.copy(ROOT / "pybskip" / "__init__.py", tmp_path / "pybskip" / "__init__.py")
    p = _run(["-c", "import pybskip"], tmp_path, flags=("-S",))  # -S: no site-packages, no install
    assert p.returncode == 1
    assert "ImportError" in p.stderr and "pip install -e ." in p.stderr and str(tmp_path) in p.stderr


def test_metadata_licence_and_classifiers():
    meta = metadata.metadata("pybskip")
    assert meta["License-Expression"] == "MIT", meta["License-Expression"]
    assert any(Path(f).name == "LICENSE" for f in metadata.files("pybskip") or []), "LICENSE not installed"
    versions = [c.rsplit(" :: ", 1)[1] for c in meta.get_all("Classifier") or []
                if c.startswith("Programming Language :: Python :: 3.")]
    assert sorted(versions) == sorted(CI_PYTHONS), versions
    assert meta["Requires-Python"] == ">=%s" % CI_PYTHONS[0]


def test_entry_points_are_declared():
    eps = {(e.group, e.name): e.value for e in metadata.distribution("pybskip").entry_points}
    assert eps[("console_scripts", "pybskip")] == "pybskip.cli:main"
    assert eps[("pytest11", "pybskip")] == "pybskip.checkers.pytest_plugin"
