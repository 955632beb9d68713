#!/usr/bin/env bash
# ci/test.sh — the README's test command: everything a change must pass.
#   1. installs the package with its test extras (builds core_c, the cffi modules, the checker);
#   2. core_c's C tests, plain, under ASan+UBSan and TSan, and on the instrumented build with
#      schedule noise (make -C core_c test asan tsan trace);
#   3. the Python suite with pytest-xdist (-n auto), against the installed package;
#   4. ci/mutants.py: each known-wrong variant of the core must be caught (mutants caught: N/N).
# Any failure stops the script with a non-zero status (pytest's 5, "no tests collected", too).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q '.[test]'
make -C core_c --no-print-directory -s test asan tsan trace
python -m pytest -n auto -q "$@"
python ci/mutants.py --budget 60
