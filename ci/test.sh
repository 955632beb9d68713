#!/usr/bin/env bash
# ci/test.sh — the README's test command: everything a change must pass.
#   1. installs the package with its test and lint extras (builds core_c, the cffi modules, the
#      checker engine);
#   2. core_c's C tests, plain, under ASan+UBSan and TSan, and on the instrumented build with
#      schedule noise and the failing allocator (make -C core_c test asan tsan trace); the checker
#      engine's fuzz corpus under TSan (make -C checkers/engine/fuzz tsan: partitions on threads);
#   3. the static gates (ci/lint.sh: ruff over the checkout, mypy --strict over the package);
#   4. the Python suite with pytest-xdist (-n auto), against the installed package, doctests
#      included (tests/test_doctests.py);
#   5. ci/mutants.py: each known-wrong variant of the core must be caught (mutants caught: N/N).
# Any failure stops the script with a non-zero status (pytest's 5, "no tests collected", too).
# Reads nothing outside the checkout: the third-party histories are in tests/data/.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q '.[test,lint]'
make -C core_c --no-print-directory -s test asan tsan trace
make -C checkers/engine/fuzz --no-print-directory -s tsan
bash ci/lint.sh
python -m pytest -n auto -q "$@"
python ci/mutants.py --budget 60
