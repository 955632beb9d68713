/* bskip_exec.h — a concurrent history executor: N pthreads run given operation lists on one map.
 *
 * Used by the concurrent history tests (pybskip.testing) and available to C users who want to
 * record a history of their own workload. Every thread waits at a barrier, then runs its ops in
 * order; each op records CLOCK_MONOTONIC nanoseconds immediately before the call (call_ns) and
 * immediately after it returns (return_ns). The linearization point of every bskip operation lies
 * inside the call, so [call_ns, return_ns] contains the real effect — what a linearizability
 * checker needs.
 */
#ifndef BSKIP_EXEC_H
#define BSKIP_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "bskip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operation kinds. SELECT, RANK and SCAN_DESC are the positional and reverse reads
 * (bskip_select, bskip_rank, bskip_scan_desc), each one linearizable call like the others. */
enum {
    BSKIP_OP_GET = 0,
    BSKIP_OP_PUT = 1,
    BSKIP_OP_DELETE = 2,
    BSKIP_OP_SCAN = 3,
    BSKIP_OP_SELECT = 4,
    BSKIP_OP_RANK = 5,
    BSKIP_OP_SCAN_DESC = 6
};

typedef struct bskip_exec_op {
    /* input */
    int32_t kind;        /* BSKIP_OP_* */
    int64_t key;         /* get/put/delete/rank: the key; scan, scan_desc: lo; select: the index
                          * (negative: from the end) */
    int64_t arg;         /* put: the value; scan: hi (exclusive); scan_desc: hi (INCLUSIVE, as
                          * bskip_scan_desc's closed range [lo, hi]) */
    int64_t limit;       /* scan, scan_desc: at most this many keys (0..) */
    int64_t scan_offset; /* scan, scan_desc: where its keys/values go in the output arrays */
    /* output */
    int32_t status;      /* the call's return code (scan, scan_desc: count or error) */
    int64_t value;       /* get: the value; put/delete: the old value (when status says so);
                          * select: the value found; rank: the number of keys < key (status
                          * BSKIP_OK when key is present, BSKIP_NOT_FOUND when not) */
    int64_t out_key;     /* select: the key found (status BSKIP_OK); 0 otherwise */
    int64_t call_ns, return_ns;
} bskip_exec_op;

/* Runs thread t on ops[offsets[t] .. offsets[t+1]) for t in [0, nthreads), all on map m, started
 * together at a barrier. Scans (both directions) write into scan_keys/scan_values at their
 * scan_offset, which must leave room for `limit` items within scan_capacity; a scan_desc writes
 * its keys in descending order. Returns BSKIP_OK, BSKIP_EINVAL (bad layout)
 *, BSKIP_ENOMEM, or BSKIP_ESYS (a thread could not start; then no op ran). */
BSKIP_API int bskip_exec_run(bskip *m, bskip_exec_op *ops, const size_t *offsets, size_t nthreads,
                             int64_t *scan_keys, int64_t *scan_values, size_t scan_capacity);

#ifdef __cplusplus
}
#endif
#endif /* BSKIP_EXEC_H */
