#!/usr/bin/env bash
# ci/package.sh — the package as a user gets it: builds the sdist, then the wheel FROM the sdist
# (python -m build), checks the sdist carries every build input, installs each artefact in a fresh
# venv and smoke-tests it from outside the checkout; then a contributor's `pip install -e .` on a
# copy of the checkout, whose compiled modules must import from the copy itself.
#   ci/package.sh            uses python3 on PATH for the venvs (PYTHON=... to choose)
# Any failure exits non-zero. Scratch space: $PKG_WORK (default: a temp dir, removed at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
WORK=${PKG_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/pybskip-pkg.XXXXXX")}
trap 'rm -rf "$WORK"' EXIT
say() { echo "== package: $*"; }

venv() { # DIR: a fresh venv with an up-to-date pip
    "$PYTHON" -m venv "$1"
    "$1/bin/python" -m pip install -q --upgrade pip
}

# 1. sdist, then wheel built from the unpacked sdist (python -m build's default)
venv "$WORK/buildenv"
"$WORK/buildenv/bin/python" -m pip install -q build
"$WORK/buildenv/bin/python" -m build --outdir "$WORK/dist" "$ROOT" > "$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log"; echo "package: FAILED: python -m build"; exit 1; }
SDIST=$(ls "$WORK"/dist/pybskip-*.tar.gz)
WHEEL=$(ls "$WORK"/dist/pybskip-*.whl)
say "built $(basename "$SDIST") and $(basename "$WHEEL")"

# 2. the sdist carries every build input and the licence (one name per line, relative to its root)
tar tzf "$SDIST" | sed 's|^[^/]*/||' | sort > "$WORK/sdist.txt"
missing=0
for f in LICENSE README.md setup.py pyproject.toml pybskip/_cffi_build.py core_c/include/bskip.h \
         core_c/src/internal.h core_c/src/lock.h checkers/engine/lc.h checkers/engine/search.c \
         $(cd "$ROOT" && git ls-files 'core_c/src/*' 'core_c/include/*' 'core_c/*.mk' \
             ':(glob)checkers/engine/*'); do  # glob: the engine's own files, not its fuzz/ harness
    grep -qxF "$f" "$WORK/sdist.txt" || { echo "package: sdist lacks $f"; missing=1; }
done
[ $missing = 0 ] || { echo "package: FAILED: incomplete sdist"; exit 1; }
say "sdist has every build input ($(wc -l < "$WORK/sdist.txt") entries)"

# 3. each artefact in a fresh venv, used from a directory with no checkout in it
smoke() { # VENV
    (cd "$WORK" && "$1/bin/python" - <<'PY'
import pybskip
from pybskip import SkipMap, spec
from pybskip.checkers import History, Operation, check

m = SkipMap()
m.put_many(list(range(1000)), list(range(1000)))
assert m[999] == 999 and m.floor_key(-1) is None and len(m) == 1000
m.validate()
h = History([Operation(0, {"f": "put", "key": 1, "value": 5}, None, 0, 10),
             Operation(1, {"f": "get", "key": 1}, 5, 2, 12)])
assert check(h, "sortedmap").verdict == "ok"
assert callable(spec.prove)
print("smoke: ok", pybskip.__version__, pybskip.__file__)
PY
    )
    (cd "$WORK" && "$1/bin/pybskip" --help > /dev/null && "$1/bin/python" -m pybskip.checkers --help > /dev/null)
}
for art in "$SDIST" "$WHEEL"; do
    name=$(basename "$art")
    venv "$WORK/v-$name"
    "$WORK/v-$name/bin/python" -m pip install -q "$art" > "$WORK/install-$name.log" 2>&1 \
        || { tail -40 "$WORK/install-$name.log"; echo "package: FAILED: pip install $name"; exit 1; }
    smoke "$WORK/v-$name"
    say "$name installs and imports in a fresh venv"
done

# 4. a contributor's editable install on a copy of the checkout (tracked files only)
mkdir "$WORK/checkout"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$WORK/checkout")
venv "$WORK/v-editable"
(cd "$WORK/checkout" && "$WORK/v-editable/bin/python" -m pip install -q -e . > "$WORK/install-editable.log" 2>&1) \
    || { tail -40 "$WORK/install-editable.log"; echo "package: FAILED: pip install -e ."; exit 1; }
where=$(cd "$WORK/checkout" && "$WORK/v-editable/bin/python" -c \
    "import pybskip, pybskip.checkers; pybskip.SkipMap()[1] = 1; print(pybskip.__file__)")
case "$where" in "$WORK/checkout/"*) ;; *) echo "package: FAILED: editable import came from $where"; exit 1;; esac
(cd "$WORK/checkout" && "$WORK/v-editable/bin/python" -m pybskip.checkers --help > /dev/null)
smoke "$WORK/v-editable" > /dev/null
say "pip install -e . builds in place; imports from the checkout copy and from elsewhere"
echo "package: ok"
