#!/usr/bin/env bash
# ci/valgrind.sh — valgrind memcheck on the C tests and on a Python workload through the binding:
# zero leaks (definite or indirect), zero invalid reads/writes/frees, zero uses of uninitialised
# memory. Any error makes valgrind exit 99 and this script exit non-zero.
#
#   ci/valgrind.sh            everything (about 5 minutes on 2 cores)
#   ci/valgrind.sh --short    the same parts, smaller (CI's pass: about 1 minute): C tests at a
#                             tenth of the operations, every 8th allocation failure of the OOM
#                             test, every 10th corpus input, one round of the Python workload
#   PYTHON=... ci/valgrind.sh the Python to run the binding workload with (default: python3 on
#                             PATH, which must import pybskip)
# Parts:
#   1. core_c's C tests (make -C core_c builds them into core_c/build/release/test_*), each with
#      BSKIP_TEST_SCALE=20 to keep valgrind's 20-50x slowdown short;
#   2. the OOM test and the fuzz corpus replays (C API, and the checker engine's corpus
#      checkers/engine/fuzz/corpus/, several partitions on worker threads included), built without
#      sanitizers (make -C core_c/fuzz plain, make -C checkers/engine/fuzz plain): every failure
#      path of the allocator, and every committed fuzz input;
#   3. a Python workload (below) on pybskip.SkipMap with PYTHONMALLOC=malloc so that valgrind sees
#      every allocation: maps created and dropped, two threads, scans, iteration, batch calls and
#      error paths. CPython keeps interpreter state alive at exit by design, so for Python only
#      leaks whose stack passes through pybskip's extension (_bskip_cffi) count; invalid accesses
#      count wherever they are.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SHORT=0
case "${1:-}" in --short) SHORT=1;; "") ;; *) echo "usage: ci/valgrind.sh [--short]"; exit 2;; esac
C_SCALE=20; OOM_STEP=${OOM_STEP:-7}; CORPUS_EVERY=1; PY_ROUNDS=3
[ $SHORT = 0 ] || { C_SCALE=200; OOM_STEP=${OOM_STEP_SHORT:-56}; CORPUS_EVERY=10; PY_ROUNDS=1; }
LOG=${VALGRIND_LOG_DIR:-build/valgrind}
mkdir -p "$LOG"
VG=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --error-exitcode=99 --quiet)
fail=0

# glibc's rwlock may call futex_wake on the lock word after the lock was released and, by another
# thread, destroyed and freed: POSIX allows destroying a rwlock as soon as no thread holds it, and
# glibc (nptl/pthread_rwlock_common.c, header comment) is built for it: "executing a futex_wake on
# a former futex word that is now used for something else is fine" (a spurious wake-up, or EFAULT
# on an unmapped page). core_c frees a node right after unlocking it in delete.c (immediate
# reclamation), so memcheck sees this syscall parameter on freed memory. Only that one report, in
# pthread_rwlock_unlock, is suppressed; any read or write of freed memory is still an error.
SUPP="$LOG/glibc-rwlock.supp"
cat > "$SUPP" <<'SUPP'
{
   glibc-rwlock-unlock-futex-wake-on-destroyed-lock
   Memcheck:Param
   futex(futex)
   ...
   fun:pthread_rwlock_unlock*
}
SUPP
VG+=(--suppressions="$SUPP")

run() { # name command...
    local name=$1; shift
    # a hang is a failure too: each part gets VG_TIMEOUT seconds (default 600)
    if timeout "${VG_TIMEOUT:-600}" "${VG[@]}" --log-file="$LOG/$name.log" "$@" > "$LOG/$name.out" 2>&1; then
        echo "valgrind: $name: clean"
    else
        echo "valgrind: $name: FAILED (rc $?), see $LOG/$name.log"; cat "$LOG/$name.log"; fail=1
    fi
}

# 1. C tests of core_c
TESTS=(test_sequential test_edge test_stress test_api_only)
make -C core_c --no-print-directory -s lib "${TESTS[@]/#/build/release/}"
for t in "${TESTS[@]}"; do
    BSKIP_TEST_SCALE=$C_SCALE run "$t" "core_c/build/release/$t"
done

# 2. OOM test and fuzz corpus replay, no sanitizer
make -C core_c/fuzz --no-print-directory -s plain
BSKIP_TEST_SCALE=$OOM_STEP run test_oom core_c/fuzz/build/plain/test_oom
every_nth() { find "$1" -type f | sort | awk -v n="$CORPUS_EVERY" 'NR % n == 1 || n == 1'; }
mapfile -t api_inputs < <(every_nth core_c/fuzz/corpus/api)
run fuzz_corpus_replay core_c/fuzz/build/plain/replay_api "${api_inputs[@]}"
make -C checkers/engine/fuzz --no-print-directory -s plain
mapfile -t checker_inputs < <(every_nth checkers/engine/fuzz/corpus)
run checker_corpus_replay checkers/engine/fuzz/build/plain/replay_checker "${checker_inputs[@]}"

# 3. the Python binding
cat > "$LOG/workload.py" <<'PY'
"""Exercises pybskip.SkipMap's C calls, error paths and teardown for valgrind."""
import threading

import pybskip
from pybskip import SkipMap

import os

for round_ in range(int(os.environ["PY_ROUNDS"])):
    m = SkipMap(node_bytes=256, seed=round_ + 1)
    for k in range(-1500, 1500, 3):
        m[k] = k * 7
    m[-(2 ** 63)] = 1
    m[2 ** 63 - 1] = 2
    assert m.scan(-100, 100)[:2] == [(-99, -693), (-96, -672)]
    assert len(list(m.items())) == len(m)
    list(reversed(m))[:50]
    m.floor_key(10), m.ceiling_key(10), m.peekitem(0), m.peekitem(-1)
    m.put_many(list(range(5000, 5600)), list(range(600)))
    m.get_many(list(range(4990, 5010)), default=None)
    m.delete_many(list(range(5000, 5600, 2)))
    for bad in ("x", 2 ** 64, None, 1.5):
        try:
            m[bad] = 1
        except (TypeError, OverflowError):
            pass
    try:
        m[123456789]
    except KeyError:
        pass

    def worker(i):
        for j in range(3000):
            k = (j * 31 + i) % 4000
            m[k] = j
            m.get(k)
            if j % 3 == 0:
                m.pop(k, None)
            if j % 50 == 0:
                m.scan(k, k + 300)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    m.validate()
    while len(m) > 100:
        m.popitem()
    m.clear()
    del m
print("workload done")
PY
export PYTHONMALLOC=malloc PY_ROUNDS
# (valgrind's exit status is not used here: CPython's own reports would set it; see below)
"${VG[@]}" --log-file="$LOG/python.log" "$PYTHON" "$LOG/workload.py" > "$LOG/python.out" 2>&1 || true
if ! grep -q "workload done" "$LOG/python.out"; then
    echo "valgrind: python workload: did not finish"; cat "$LOG/python.out" "$LOG/python.log"; fail=1
fi
# Records (errors and definite/indirect leaks) with a frame in pybskip's own code: core_c's
# functions, the pyb_* shims, or the _cffi_f_* wrappers of the extension module. CPython has its
# own known valgrind reports (it ships Misc/valgrind-python.supp for them) and cffi's backend keeps
# one small block per module and per looked-up C function for the life of the process
# (lib_build_cpython_func); those records do not name our frames, are not counted, and stay
# listed in $LOG/python.log.
ours=$(awk '
    /^==[0-9]+== $/ { if (rec && buf ~ OURS) n++; rec = 0; buf = ""; next }
    /^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination)/ { rec = 1 }
    /are (definitely|indirectly) lost/ { rec = 1 }
    { buf = buf $0 "\n" }
    END { print n + 0 }' OURS=': (core_malloc|core_calloc|core_aligned|node_[a-z_]+|spare_[a-z_]+|bskip_[a-z_]+|pyb_[a-z_]+|_cffi_f_[a-z_]+) \\(' "$LOG/python.log")
if [ "$ours" != 0 ]; then
    echo "valgrind: python workload: $ours error/leak records in pybskip's code"; cat "$LOG/python.log"; fail=1
else
    echo "valgrind: python workload: clean ($(tail -1 "$LOG/python.out"); 0 leaks and 0 errors in pybskip's code)"
fi
exit $fail
