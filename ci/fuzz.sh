#!/usr/bin/env bash
# ci/fuzz.sh SECONDS — runs every fuzz target for SECONDS each and fails on any crash/finding.
#
# Targets:
#   core_c/fuzz/build/fuzz_*   libFuzzer (clang) targets built by `make -C core_c/fuzz`; corpus
#                              core_c/fuzz/corpus/<name without fuzz_>/ (fuzz_api)
#   checkers/engine/fuzz/build/fuzz_checker
#                              the checker engine's libFuzzer target, built by
#                              `make -C checkers/engine/fuzz`; corpus checkers/engine/fuzz/corpus/
#   fuzz/py/fuzz_*.py          atheris targets (pip install atheris); corpus fuzz/py/corpus/<name>/
# The committed corpora are only read: new inputs go to a scratch directory ($FUZZ_OUT, default
# build/fuzz-out/), and so do crash/leak/timeout artifacts, which are kept for the CI log.
# Each target runs with one worker under `nice -n 10` (the machines are shared). Prints one
# summary line per target (execs, coverage, slowest input, result) and exits 1 if any target
# failed: a crash, a sanitizer report, a leak, an out-of-memory, a timeout (hang), an artifact
# written, a run that did not finish normally, or one killed by the backstop below.
#
# Timeouts (issue 13). libFuzzer's -timeout is wall-clock time per input, and a loaded machine
# stretches wall time: with the former 10 s, a seed input that is not a hang failed CI. The limit
# per input is now sized from the slowest committed seed, measured on the 2-core machine with
# `BIN corpus/DIR/*` (libFuzzer prints each input's time):
#   fuzz_api      0.02 s  (before the issue-13 speed-up: 0.34 s idle, 3.0 s with the machine loaded)
#   fuzz_checker  1.0 s   (the one-partition target; today's, checkers/engine/fuzz/: 0.06 s)
#   fuzz_skipmap  0.012 s, fuzz_history 0.004 s
# It is FUZZ_TIMEOUT_C (default 60 s) for the C targets and FUZZ_TIMEOUT_PY (default 120 s) for the
# atheris targets: 60 x the slowest C seed, so a load factor of 10 (five CPU-bound jobs per core,
# plus the sanitizers' memory traffic) still leaves a margin of 6, and the Python targets, slower
# per byte and as sensitive to load, get twice that. fuzz_api's inputs are bounded by construction
# (MAX_OPS, MAX_WORK, MAX_ALLOC_BYTES in core_c/fuzz/fuzz_api.c), so a mutated input cannot grow
# its way to the limit either. An input that runs longer than the limit is a hang and fails the
# run; libFuzzer writes it as $OUT/<target>-timeout-<sha1>.
# libFuzzer's alarm watches only the inputs (the seeds included), not what it does between them
# (start-up, reading the corpus, the leak check at exit), so each target also runs under
# `timeout` with SECONDS + 2 x limit + 300 s; being killed by it is a failure too. Inputs slower
# than a quarter of the limit are reported (-report_slow_units: a log line and a slow-unit-<sha1>
# file, not a failure), and the summary line shows the slowest input.
# Environment: PYTHON (default python3, must import pybskip and atheris), CLANG (default clang),
# FUZZ_OUT, FUZZ_TIMEOUT_C, FUZZ_TIMEOUT_PY (seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:?usage: ci/fuzz.sh SECONDS}
PYTHON=${PYTHON:-python3}
OUT=${FUZZ_OUT:-build/fuzz-out}
TIMEOUT_C=${FUZZ_TIMEOUT_C:-60}
TIMEOUT_PY=${FUZZ_TIMEOUT_PY:-120}
mkdir -p "$OUT"
make -C core_c/fuzz --no-print-directory -s all
make -C checkers/engine/fuzz --no-print-directory -s all
fail=0
summary=()

# summarise NAME LOG RC LIMIT MARKER: one summary line from libFuzzer's log; any sign of a finding
# (non-zero status, no normal end, an artifact newer than MARKER) fails the target.
summarise() {
    local name=$1 log=$2 rc=$3 limit=$4 marker=$5
    local execs cov slow artifacts why=""
    execs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1 || true)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    slow=$(grep -oE 'slowest_unit_time_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    [ "$slow" != 0 ] || slow="< 1"  # libFuzzer counts whole seconds
    artifacts=$(find "$OUT" -maxdepth 1 -type f -newer "$marker" \( -name "$name-crash-*" -o \
        -name "$name-leak-*" -o -name "$name-timeout-*" -o -name "$name-oom-*" \) | sort || true)
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        why="killed by the backstop timeout (no normal end)"
    elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        why="timeout: an input ran > ${limit} s (a hang)"
    elif grep -qE 'ERROR: LeakSanitizer' "$log"; then
        why="leak"
    elif grep -qE 'ERROR: libFuzzer: out-of-memory|ERROR: libFuzzer: malloc' "$log"; then
        why="out of memory"
    elif [ "$rc" != 0 ]; then
        why="crash or finding (rc $rc)"
    elif [ -z "$execs" ]; then
        why="no 'Done N runs' line: the run did not end normally"
    elif [ -n "$artifacts" ]; then
        why="artifact written"
    fi
    if [ -z "$why" ]; then
        local line="$name: ${SECONDS_EACH}s, ${execs} execs, ${cov:-cov: ?}, "
        summary+=("${line}slowest input ${slow:-?} s (limit ${limit} s), 0 crashes")
    else
        summary+=("$name: FAILED ($why), see $log")
        grep -E 'ERROR|SUMMARY|ALARM|fuzz_api:|fuzz_checker:|Uncaught|Mismatch|Error' "$log" | head -20 || true
        [ -z "$artifacts" ] || printf '  artifact: %s\n' $artifacts
        fail=1
    fi
}

# run_target NAME LIMIT CORPUS CMD...: runs one target with the shared flags, under the backstop
run_target() {
    local name=$1 limit=$2 corpus=$3
    shift 3
    local scratch=$OUT/$name.corpus marker=$OUT/.$name.start rc=0
    mkdir -p "$scratch"
    touch "$marker"
    timeout -k 30 $((SECONDS_EACH + 2 * limit + 300)) nice -n 10 "$@" \
        -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=2560 -timeout="$limit" \
        -report_slow_units=$((limit / 4 > 0 ? limit / 4 : 1)) -print_final_stats=1 \
        -artifact_prefix="$OUT/$name-" "$scratch" "$corpus" > "$OUT/$name.log" 2>&1 || rc=$?
    summarise "$name" "$OUT/$name.log" "$rc" "$limit" "$marker"
}

for bin in core_c/fuzz/build/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    # (a binary without a corpus is a stale build output, e.g. fuzz_checker from before it moved)
    [ -d "core_c/fuzz/corpus/${name#fuzz_}" ] || continue
    run_target "$name" "$TIMEOUT_C" "core_c/fuzz/corpus/${name#fuzz_}" "$bin"
done
run_target fuzz_checker "$TIMEOUT_C" checkers/engine/fuzz/corpus checkers/engine/fuzz/build/fuzz_checker

for target in fuzz/py/fuzz_*.py; do
    [ -f "$target" ] || continue
    name=$(basename "$target" .py)
    mkdir -p "fuzz/py/corpus/${name#fuzz_}"
    run_target "$name" "$TIMEOUT_PY" "fuzz/py/corpus/${name#fuzz_}" "$PYTHON" "$target"
done

printf '%s\n' "${summary[@]}"
exit $fail
