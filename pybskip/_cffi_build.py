"""_cffi_build.py — cffi API-mode build of the core_c library into two extension modules.

`pybskip._bskip_cffi` is the release build (what SkipMap uses). `pybskip._bskip_instrumented_cffi`
is the same sources compiled with -DBSKIP_TRACE -DBSKIP_NOISE -DBSKIP_FAILALLOC: lock tracing,
schedule noise and allocation-failure injection for
the verification suite (`pybskip verify`, the concurrent tests). Both declare the same C API.
cffi releases the GIL around every call into these modules, so C work runs in parallel.
Invariant: the cdef below mirrors core_c/include/*.h; a mismatch fails the build (API mode
compiles the declarations against the real headers).
"""
import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.normpath(os.path.join(HERE, "..", "core_c"))
# Unity build: each module compiles every core source inside its own generated C file. The two
# modules then never share object files (their defines differ), and the compiler can inline
# across the core's files.
SOURCES = sorted(f for f in os.listdir(os.path.join(CORE, "src")) if f.endswith(".c"))

CDEF = """
typedef struct bskip bskip;
typedef struct bskip_options { size_t node_bytes; double promote_prob; uint64_t seed; } bskip_options;
enum { BSKIP_OK = 0, BSKIP_INSERTED = 1, BSKIP_REPLACED = 2, BSKIP_NOT_FOUND = 3,
       BSKIP_ENOMEM = -1, BSKIP_EINVAL = -2, BSKIP_ECORRUPT = -3, BSKIP_ESYS = -4,
       BSKIP_ENOTSUP = -5 };
#define BSKIP_DEFAULT_NODE_BYTES ...
int bskip_new(bskip **out, const bskip_options *opts);
void bskip_free(bskip *m);
int bskip_put(bskip *m, int64_t key, int64_t value, int64_t *old_value);
int bskip_put_if_absent(bskip *m, int64_t key, int64_t value, int64_t *existing);
int bskip_get(bskip *m, int64_t key, int64_t *value);
int bskip_delete(bskip *m, int64_t key, int64_t *old_value);
int64_t bskip_scan(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values, size_t cap);
int64_t bskip_scan_closed(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values, size_t cap);
int bskip_ceiling(bskip *m, int64_t key, int64_t *found_key, int64_t *value);
int bskip_floor(bskip *m, int64_t key, int64_t *found_key, int64_t *value);
int64_t bskip_put_many(bskip *m, const int64_t *keys, const int64_t *values, size_t n, size_t *applied);
int64_t bskip_get_many(bskip *m, const int64_t *keys, int64_t *values, uint8_t *found, size_t n);
int64_t bskip_delete_many(bskip *m, const int64_t *keys, size_t n);
size_t bskip_len(bskip *m);
int bskip_validate(bskip *m, char *msg, size_t msg_len);
const char *bskip_strerror(int code);
size_t bskip_node_capacity(const bskip *m);
int bskip_height(bskip *m);
size_t bskip_memory_bytes(bskip *m);

enum { BSKIP_FEATURE_TRACE = 1, BSKIP_FEATURE_NOISE = 2, BSKIP_FEATURE_FAILALLOC = 4 };
int bskip_testing_features(void);
int bskip_trace_start(void);
int64_t bskip_trace_stop(const char *path);
int bskip_noise_set(int level);
int bskip_failalloc_set(int64_t nth, int sticky);
int64_t bskip_alloc_count(void);

enum { BSKIP_OP_GET = 0, BSKIP_OP_PUT = 1, BSKIP_OP_DELETE = 2, BSKIP_OP_SCAN = 3 };
typedef struct bskip_exec_op {
    int32_t kind; int64_t key; int64_t arg; int64_t limit; int64_t scan_offset;
    int32_t status; int64_t value; int64_t call_ns, return_ns;
} bskip_exec_op;
int bskip_exec_run(bskip *m, bskip_exec_op *ops, const size_t *offsets, size_t nthreads,
                   int64_t *scan_keys, int64_t *scan_values, size_t scan_capacity);

/* one-call results for the Python fast path (no out-parameter buffers shared between threads) */
typedef struct { int rc; int64_t value; } pyb_result;
typedef struct { int rc; int64_t key; int64_t value; } pyb_entry;
pyb_result pyb_get(bskip *m, int64_t key);
pyb_result pyb_put(bskip *m, int64_t key, int64_t value);
pyb_result pyb_put_if_absent(bskip *m, int64_t key, int64_t value);
pyb_result pyb_delete(bskip *m, int64_t key);
pyb_entry pyb_floor(bskip *m, int64_t key);
pyb_entry pyb_ceiling(bskip *m, int64_t key);
"""

SHIMS = """
#include "bskip.h"
#include "bskip_testing.h"
#include "bskip_exec.h"
typedef struct { int rc; int64_t value; } pyb_result;
typedef struct { int rc; int64_t key; int64_t value; } pyb_entry;
static pyb_result pyb_get(bskip *m, int64_t key) {
    pyb_result r = {0, 0}; r.rc = bskip_get(m, key, &r.value); return r; }
static pyb_result pyb_put(bskip *m, int64_t key, int64_t value) {
    pyb_result r = {0, 0}; r.rc = bskip_put(m, key, value, &r.value); return r; }
static pyb_result pyb_put_if_absent(bskip *m, int64_t key, int64_t value) {
    pyb_result r = {0, 0}; r.rc = bskip_put_if_absent(m, key, value, &r.value); return r; }
static pyb_result pyb_delete(bskip *m, int64_t key) {
    pyb_result r = {0, 0}; r.rc = bskip_delete(m, key, &r.value); return r; }
static pyb_entry pyb_floor(bskip *m, int64_t key) {
    pyb_entry e = {0, 0, 0}; e.rc = bskip_floor(m, key, &e.key, &e.value); return e; }
static pyb_entry pyb_ceiling(bskip *m, int64_t key) {
    pyb_entry e = {0, 0, 0}; e.rc = bskip_ceiling(m, key, &e.key, &e.value); return e; }
"""

BASE_ARGS = ["-std=c11", "-D_GNU_SOURCE", "-pthread", "-O2", "-Wall", "-Wextra"]


def _ffi(module: str, defines: list) -> FFI:
    ffi = FFI()
    ffi.cdef(CDEF)
    unity = "".join('#include "%s"\n' % name for name in SOURCES)
    ffi.set_source(module, unity + SHIMS,
                   include_dirs=[os.path.join(CORE, "include"), os.path.join(CORE, "src")],
                   extra_compile_args=BASE_ARGS + defines, extra_link_args=["-pthread"])
    return ffi


ffi_release = _ffi("pybskip._bskip_cffi", [])
ffi_instrumented = _ffi("pybskip._bskip_instrumented_cffi",
                        ["-DBSKIP_TRACE", "-DBSKIP_NOISE", "-DBSKIP_FAILALLOC"])

if __name__ == "__main__":
    ffi_release.compile(verbose=True)
    ffi_instrumented.compile(verbose=True)
