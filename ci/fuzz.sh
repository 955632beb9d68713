#!/usr/bin/env bash
# ci/fuzz.sh SECONDS — runs every fuzz target for SECONDS each and fails on any crash/finding.
#
# Targets:
#   core_c/fuzz/build/fuzz_*   libFuzzer (clang) targets built by `make -C core_c/fuzz`; corpus
#                              core_c/fuzz/corpus/<name without fuzz_>/
#   fuzz/py/fuzz_*.py          atheris targets (pip install atheris); corpus fuzz/py/corpus/<name>/
# The committed corpora are only read: new inputs go to a scratch directory ($FUZZ_OUT, default
# build/fuzz-out/), and so do crash/leak/timeout artifacts, which are kept for the CI log.
# Each target runs with one worker under `nice -n 10` (the machines are shared); an input that
# runs longer than 10 s (C) or 30 s (Python) is a failure (a hang). Prints one
# summary line per target (execs, coverage, result) and exits 1 if any target failed.
# Environment: PYTHON (default python3, must import pybskip and atheris), CLANG (default clang).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:?usage: ci/fuzz.sh SECONDS}
PYTHON=${PYTHON:-python3}
OUT=${FUZZ_OUT:-build/fuzz-out}
mkdir -p "$OUT"
make -C core_c/fuzz --no-print-directory -s all
fail=0
summary=()

# run_target NAME LOG: reads libFuzzer's log for the summary line
summarise() {
    local name=$1 log=$2 rc=$3
    local execs cov
    execs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1 || true)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    if [ "$rc" = 0 ] && [ -n "$execs" ]; then
        summary+=("$name: ${SECONDS_EACH}s, ${execs} execs, ${cov:-cov: ?}, 0 crashes")
    else
        summary+=("$name: FAILED (rc $rc), see $log")
        grep -E 'ERROR|SUMMARY|fuzz_api:|Uncaught|Mismatch|Error' "$log" | head -20 || true
        fail=1
    fi
}

for bin in core_c/fuzz/build/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus=core_c/fuzz/corpus/${name#fuzz_}
    scratch=$OUT/$name.corpus
    mkdir -p "$scratch"
    rc=0
    nice -n 10 "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=2560 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$OUT/$name-" "$scratch" "$corpus" \
        > "$OUT/$name.log" 2>&1 || rc=$?
    summarise "$name" "$OUT/$name.log" "$rc"
done

for target in fuzz/py/fuzz_*.py; do
    [ -f "$target" ] || continue
    name=$(basename "$target" .py)
    corpus=fuzz/py/corpus/${name#fuzz_}
    scratch=$OUT/$name.corpus
    mkdir -p "$scratch" "$corpus"
    rc=0
    nice -n 10 "$PYTHON" "$target" -max_total_time="$SECONDS_EACH" -max_len=4096 \
        -rss_limit_mb=2560 -timeout=30 -print_final_stats=1 -artifact_prefix="$OUT/$name-" \
        "$scratch" "$corpus" > "$OUT/$name.log" 2>&1 || rc=$?
    summarise "$name" "$OUT/$name.log" "$rc"
done

printf '%s\n' "${summary[@]}"
exit $fail
