"""setup.py — builds the C parts that pyproject.toml cannot declare on its own.

cffi's setuptools integration takes `cffi_modules` only from setup() (not from pyproject alone), so
this file declares: the cffi API-mode extensions over core_c (release build, and an instrumented
build with lock tracing and schedule noise for the verification suite), and the checker's C
engine, a plain shared library that pybskip.checkers loads with ctypes. It also maps the top-level
`checkers/` and `spec/` directories to the subpackages `pybskip.checkers` and `pybskip.spec`.
"""
import os
from glob import glob

from setuptools import Extension, setup

ROOT = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIRS = {"pybskip": "pybskip", "pybskip.checkers": "checkers", "pybskip.spec": "spec"}


def find_packages_mapped():
    """Every package under the mapped directories (a directory with an __init__.py)."""
    packages = []
    for name, directory in PACKAGE_DIRS.items():
        for dirpath, _dirs, files in os.walk(os.path.join(ROOT, directory)):
            if "__init__.py" in files and "__pycache__" not in dirpath:
                rel = os.path.relpath(dirpath, os.path.join(ROOT, directory))
                packages.append(name if rel == "." else name + "." + rel.replace(os.sep, "."))
    return packages


def checker_engine():
    sources = sorted(glob("checkers/engine/*.c"))
    if not sources:
        return []
    return [Extension("pybskip.checkers._engine", sources=sources,
                      extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra", "-pthread"],
                      extra_link_args=["-pthread"])]


setup(
    packages=find_packages_mapped(),
    package_dir=PACKAGE_DIRS,  # subpackages resolve through their parent's directory
    package_data={"pybskip": ["py.typed"], "pybskip.checkers": ["*.md", "*.html", "*.js", "*.css"],
                  "pybskip.spec": ["*.md", "examples/*"]},
    include_package_data=False,
    cffi_modules=["pybskip/_cffi_build.py:ffi_release", "pybskip/_cffi_build.py:ffi_instrumented"],
    ext_modules=checker_engine(),
)
