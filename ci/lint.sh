#!/usr/bin/env bash
# ci/lint.sh — static gates: ruff over every Python file of the checkout, mypy --strict over the
# installed package (the source tree maps checkers/ and spec/ to pybskip.checkers / pybskip.spec,
# so only the installed layout has the package's real module names). Config: pyproject.toml.
# Run after `pip install '.[test]'` (ci/test.sh does); exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
python -m ruff check .
# mypy from outside the checkout, so `pybskip` resolves to the installed package
(cd "${TMPDIR:-/tmp}" && python -m mypy --config-file "$ROOT/pyproject.toml" -p pybskip)
