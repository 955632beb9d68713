/* exec.c — bskip_exec_run: runs per-thread operation lists on real pthreads and times each op.
 *
 * Invariants: the layout (offsets ascending, scan outputs in bounds, kinds valid) is checked in
 * full before any thread starts, so a bad layout changes nothing; every op's [call_ns, return_ns]
 * brackets the call (the clock is read before the call and after it returns). Threads start
 * together: each
 * parks at a gate, and the gate opens only once all of them are parked; if a thread cannot be
 * created the gate aborts instead, the parked threads exit without running anything, and the
 * call reports BSKIP_ESYS. A rank's count is copied into `value` only after return_ns is taken
 * (the call writes a uint64_t; every count of keys fits an int64_t).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h), clock_gettime */
#endif
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "bskip_exec.h"
#include "internal.h"

typedef struct exec_thread {
    bskip *m;
    bskip_exec_op *ops;
    size_t count;
    int64_t *scan_keys, *scan_values;
    struct gate *start;
} exec_thread;

typedef struct gate {
    atomic_size_t parked; /* threads waiting to start */
    atomic_int state;     /* 0 closed, 1 open, 2 aborted */
} gate;

/* Parks the caller until the gate opens (returns 1) or aborts (returns 0). The wait spins with
 * sched_yield, not a condition variable: all threads leave within microseconds of each other
 * (a futex wake-up per thread would spread the starts over hundreds of microseconds, longer than
 * a whole short program). */
static int gate_wait(gate *g) {
    atomic_fetch_add_explicit(&g->parked, 1, memory_order_acq_rel);
    int s;
    while ((s = atomic_load_explicit(&g->state, memory_order_acquire)) == 0) sched_yield();
    return s == 1;
}

/* Waits until `parked` threads are parked, then sets the gate to `state` (1 open, 2 abort). */
static void gate_release(gate *g, size_t parked, int state) {
    while (atomic_load_explicit(&g->parked, memory_order_acquire) < parked) sched_yield();
    atomic_store_explicit(&g->state, state, memory_order_release);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run_op(exec_thread *t, bskip_exec_op *op) {
    op->value = op->out_key = 0;
    uint64_t rank = 0;
    op->call_ns = now_ns();
    switch (op->kind) {
    case BSKIP_OP_GET: op->status = bskip_get(t->m, op->key, &op->value); break;
    case BSKIP_OP_PUT: op->status = bskip_put(t->m, op->key, op->arg, &op->value); break;
    case BSKIP_OP_DELETE: op->status = bskip_delete(t->m, op->key, &op->value); break;
    case BSKIP_OP_SELECT: op->status = bskip_select(t->m, op->key, &op->out_key, &op->value); break;
    case BSKIP_OP_RANK: op->status = bskip_rank(t->m, op->key, &rank); break;
    case BSKIP_OP_SCAN_DESC: /* arg is the inclusive hi: the closed range [key, arg] */
        op->status = (int32_t)bskip_scan_desc(t->m, op->key, op->arg,
                                              t->scan_keys + op->scan_offset,
                                              t->scan_values + op->scan_offset, (size_t)op->limit);
        break;
    default:
        op->status = (int32_t)bskip_scan(t->m, op->key, op->arg, t->scan_keys + op->scan_offset,
                                         t->scan_values + op->scan_offset, (size_t)op->limit);
    }
    op->return_ns = now_ns();
    if (op->kind == BSKIP_OP_RANK) op->value = (int64_t)rank; /* < 2^63: a count of keys */
}

static void *exec_main(void *arg) {
    exec_thread *t = arg;
    if (!gate_wait(t->start)) return NULL;
    for (size_t i = 0; i < t->count; i++) run_op(t, &t->ops[i]);
    return NULL;
}

static int check_layout(const bskip_exec_op *ops, const size_t *offsets, size_t nthreads,
                        size_t scan_capacity) {
    for (size_t t = 0; t < nthreads; t++) {
        if (offsets[t] > offsets[t + 1]) return BSKIP_EINVAL;
        for (size_t i = offsets[t]; i < offsets[t + 1]; i++) {
            const bskip_exec_op *op = &ops[i];
            if (op->kind < BSKIP_OP_GET || op->kind > BSKIP_OP_SCAN_DESC) return BSKIP_EINVAL;
            if (op->kind != BSKIP_OP_SCAN && op->kind != BSKIP_OP_SCAN_DESC) continue;
            if (op->limit < 0 || op->scan_offset < 0 || op->key > op->arg ||
                (uint64_t)op->scan_offset + (uint64_t)op->limit > scan_capacity)
                return BSKIP_EINVAL;
        }
    }
    return BSKIP_OK;
}

int bskip_exec_run(bskip *m, bskip_exec_op *ops, const size_t *offsets, size_t nthreads,
                   int64_t *scan_keys, int64_t *scan_values, size_t scan_capacity) {
    if (m == NULL || offsets == NULL || nthreads == 0 || nthreads > 1024) return BSKIP_EINVAL;
    if (offsets[nthreads] > 0 && ops == NULL) return BSKIP_EINVAL;
    if (scan_capacity > 0 && (scan_keys == NULL || scan_values == NULL)) return BSKIP_EINVAL;
    int rc = check_layout(ops, offsets, nthreads, scan_capacity);
    if (rc != BSKIP_OK) return rc;
    exec_thread *ts = bskip__malloc(nthreads * sizeof *ts);
    pthread_t *th = bskip__malloc(nthreads * sizeof *th);
    if (ts == NULL || th == NULL) {
        free(ts);
        free(th);
        return BSKIP_ENOMEM;
    }
    gate start;
    atomic_init(&start.parked, 0);
    atomic_init(&start.state, 0);
    size_t started = 0; /* threads created; the caller runs the last list itself */
    for (; started + 1 < nthreads; started++) {
        ts[started] = (exec_thread){m, ops + offsets[started], offsets[started + 1] - offsets[started],
                                    scan_keys, scan_values, &start};
        if (pthread_create(&th[started], NULL, exec_main, &ts[started]) != 0) break;
    }
    bool ok = started + 1 == nthreads;
    gate_release(&start, started, ok ? 1 : 2);
    if (ok) {
        exec_thread self = {m, ops + offsets[started], offsets[started + 1] - offsets[started],
                            scan_keys, scan_values, &start};
        for (size_t i = 0; i < self.count; i++) run_op(&self, &self.ops[i]);
    }
    for (size_t i = 0; i < started; i++) pthread_join(th[i], NULL);
    free(ts);
    free(th);
    return ok ? BSKIP_OK : BSKIP_ESYS;
}
