"""_cffi_build.py — cffi API-mode build of the core_c library into two extension modules.

`pybskip._bskip_cffi` is the release build (what SkipMap uses). `pybskip._bskip_instrumented_cffi`
is the same sources compiled with BSKIP_INSTRUMENT (-DBSKIP_TRACE -DBSKIP_NOISE -DBSKIP_FAILALLOC):
lock tracing, schedule noise and allocation-failure injection for the verification suite
(`pybskip verify`, the concurrent tests). Both declare the same C API.
cffi releases the GIL around every call into these modules, so C work runs in parallel.
Invariant: the cdef below mirrors core_c/include/*.h; a mismatch fails the build (API mode
compiles the declarations against the real headers).
Compile flags come from core_c/flags.mk (read_flags below), the file core_c's Makefiles include:
one description of the flags for make, this build and ci/mutants.py (which builds mutated cores
through _ffi and BSKIP_INSTRUMENT here). The build runs from the source tree (setup.py, mutants.py);
the installed copy of this module is not meant to be imported.
"""
import hashlib
import os
import re
from typing import Dict, List

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.normpath(os.path.join(HERE, "..", "core_c"))
# Unity build: each module compiles every core source inside its own generated C file. The two
# modules then never share object files (their defines differ), and the compiler can inline
# across the core's files.
SOURCES = sorted(f for f in os.listdir(os.path.join(CORE, "src")) if f.endswith(".c"))
FLAGS_FILE = os.path.join(CORE, "flags.mk")

_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) *:= *(.*)")
_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _expand(value: str, values: Dict[str, str], where: str) -> str:
    """value with every $(NAME) replaced by the value of an earlier NAME (make's `:=` semantics)."""
    def one(ref: "re.Match[str]") -> str:
        if ref.group(1) not in values:
            raise ValueError("%s: $(%s) is not defined above" % (where, ref.group(1)))
        return values[ref.group(1)]

    out = _REF.sub(one, value)
    if "$" in out:
        raise ValueError("%s: only $(NAME) references are understood: %r" % (where, value))
    return out


def read_flags(path: str = FLAGS_FILE) -> Dict[str, List[str]]:
    """The variables of core_c/flags.mk, each value split into words.

    The file holds comments, blank lines and `NAME := value` lines whose value may use $(NAME) of an
    earlier line (make's simple expansion). Anything else raises ValueError naming the line, so
    that make and this parser can never read the file differently.
    """
    values: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            text = line.rstrip("\n")
            if not text.strip() or text.startswith("#"):
                continue
            where = "%s:%d" % (path, lineno)
            m = _ASSIGN.fullmatch(text)
            if m is None or "#" in m.group(2):
                raise ValueError("%s: not a `NAME := value` line (comments go on their own line): %r"
                                 % (where, text))
            values[m.group(1)] = _expand(m.group(2), values, where)
    return {name: value.split() for name, value in values.items()}


FLAGS = read_flags()
# flags.mk's BSKIP_WERROR is left out: a newer compiler's new warning must not break `pip install`
BASE_ARGS = FLAGS["BSKIP_CSTD"] + FLAGS["BSKIP_PTHREAD"] + FLAGS["BSKIP_OPT"] + FLAGS["BSKIP_WARN"]
LINK_ARGS = FLAGS["BSKIP_PTHREAD"]
INSTRUMENT = FLAGS["BSKIP_INSTRUMENT"]

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
int64_t bskip_scan_desc(bskip *m, int64_t lo, int64_t hi, int64_t *keys, int64_t *values, size_t cap);
int bskip_select(bskip *m, int64_t index, int64_t *key, int64_t *value);
int bskip_rank(bskip *m, int64_t key, uint64_t *rank);
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
int64_t bskip_trace_dump(const char *path);
int bskip_noise_set(int level);
int bskip_failalloc_set(int64_t nth, int sticky);
int64_t bskip_alloc_count(void);

enum { BSKIP_OP_GET = 0, BSKIP_OP_PUT = 1, BSKIP_OP_DELETE = 2, BSKIP_OP_SCAN = 3,
       BSKIP_OP_SELECT = 4, BSKIP_OP_RANK = 5, BSKIP_OP_SCAN_DESC = 6 };
typedef struct bskip_exec_op {
    int32_t kind; int64_t key; int64_t arg; int64_t limit; int64_t scan_offset;
    int32_t status; int64_t value; int64_t out_key; int64_t call_ns, return_ns;
} bskip_exec_op;
int bskip_exec_run(bskip *m, bskip_exec_op *ops, const size_t *offsets, size_t nthreads,
                   int64_t *scan_keys, int64_t *scan_values, size_t scan_capacity);

/* one-call results for the Python fast path (no out-parameter buffers shared between threads) */
typedef struct { int rc; int64_t value; } pyb_result;
typedef struct { int rc; int64_t key; int64_t value; } pyb_entry;
pyb_result pyb_get(bskip *m, int64_t key);
int64_t pyb_get_value(bskip *m, int64_t key);
pyb_result pyb_put(bskip *m, int64_t key, int64_t value);
pyb_result pyb_put_if_absent(bskip *m, int64_t key, int64_t value);
pyb_result pyb_delete(bskip *m, int64_t key);
pyb_entry pyb_floor(bskip *m, int64_t key);
pyb_entry pyb_ceiling(bskip *m, int64_t key);
pyb_entry pyb_select(bskip *m, int64_t index);
pyb_result pyb_rank(bskip *m, int64_t key);
"""

SHIMS = """
#include "bskip.h"
#include "bskip_testing.h"
#include "bskip_exec.h"
typedef struct { int rc; int64_t value; } pyb_result;
typedef struct { int rc; int64_t key; int64_t value; } pyb_entry;
static pyb_result pyb_get(bskip *m, int64_t key) {
    pyb_result r = {0, 0}; r.rc = bskip_get(m, key, &r.value); return r; }
/* m[k]'s fast path: the value, or INT64_MIN when the key is absent OR its value is INT64_MIN (the
 * caller then asks pyb_get, itself one linearizable call); an int64 result is much cheaper for cffi
 * to return than a struct. */
static int64_t pyb_get_value(bskip *m, int64_t key) {
    int64_t v = INT64_MIN; return bskip_get(m, key, &v) == BSKIP_OK ? v : INT64_MIN; }
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
static pyb_entry pyb_select(bskip *m, int64_t index) {
    pyb_entry e = {0, 0, 0}; e.rc = bskip_select(m, index, &e.key, &e.value); return e; }
static pyb_result pyb_rank(bskip *m, int64_t key) {
    pyb_result r = {0, 0}; uint64_t n = 0; r.rc = bskip_rank(m, key, &n); r.value = (int64_t)n; return r; }
"""


def _fingerprint() -> str:
    """A hash of the core's sources, headers and flags.

    The generated C file only #includes the core's sources, and setuptools recompiles it only when
    that file is newer than its object, so an in-tree rebuild (pip install . reuses ./build/) would
    otherwise keep a stale object after a change of the core. The hash goes into the generated
    file: any change of the core changes the file, and the module is rebuilt.
    """
    h = hashlib.sha256()
    names = [os.path.join(d, name) for d in ("src", "include") for name in sorted(os.listdir(os.path.join(CORE, d)))]
    for name in names + ["flags.mk"]:
        with open(os.path.join(CORE, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()[:24]


def _ffi(module: str, defines: List[str]) -> FFI:
    ffi = FFI()
    ffi.cdef(CDEF)
    unity = "/* core_c %s, flags %s */\n" % (_fingerprint(), " ".join(BASE_ARGS + defines))
    unity += "".join('#include "%s"\n' % name for name in SOURCES)
    ffi.set_source(module, unity + SHIMS,
                   include_dirs=[os.path.join(CORE, "include"), os.path.join(CORE, "src")],
                   extra_compile_args=BASE_ARGS + defines, extra_link_args=LINK_ARGS)
    return ffi


ffi_release = _ffi("pybskip._bskip_cffi", [])
ffi_instrumented = _ffi("pybskip._bskip_instrumented_cffi", INSTRUMENT)

if __name__ == "__main__":
    ffi_release.compile(verbose=True)
    ffi_instrumented.compile(verbose=True)
