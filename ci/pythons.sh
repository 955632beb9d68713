#!/usr/bin/env bash
# ci/pythons.sh VERSION... — the Python test suite on other interpreters than the main CI one:
# for each X.Y given (default: 3.9 3.13, the oldest and newest CI supports beside 3.11), a fresh
# venv from that interpreter, `pip install '.[test]'` (builds the extensions for it), then pytest
# -n auto over tests/. The interpreter is python X.Y on PATH, or pyenv's newest X.Y.*; one that
# cannot be found is a failure (CI promises these versions), never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(3.9 3.13)
find_python() { # X.Y -> path of an interpreter that runs and is X.Y (pyenv's first: its shims
    local v=$1 p root cand   # on PATH may exist for versions that are not selected)
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for cand in $(ls -d "$root"/versions/"$v".*/bin/python3 2>/dev/null | sort -V -r) \
                $(command -v "python$v" 2>/dev/null); do
        p=$("$cand" -c 'import sys; print(sys.executable) if "%d.%d" % sys.version_info[:2] == "'"$v"'" else None' \
            2>/dev/null) || continue
        [ -n "$p" ] && [ "$p" != None ] && { echo "$cand"; return; }
    done
    return 1
}
for v in "${versions[@]}"; do
    py=$(find_python "$v") || true
    [ -n "${py:-}" ] || { echo "pythons: FAILED: no Python $v found (PATH or pyenv)"; exit 1; }
    venv="${TMPDIR:-/tmp}/pybskip-ci-py$v"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q '.[test]'
    echo "== pythons: $("$venv/bin/python" --version): pytest"
    "$venv/bin/python" -m pytest -n auto -q -p no:cacheprovider
done
