/* lock.h — the only place node locks are taken and released.
 *
 * Every acquire/release in core_c goes through node_lock/node_unlock so that two test-only build
 * options can hook them (both compiled out of the release build: zero cost when off):
 *   BSKIP_TRACE  records each request/acquire/release (thread, node id, level, position key, mode)
 *                into per-thread buffers for spec/'s conformance check and replay (trace.c);
 *   BSKIP_NOISE  injects random short spins and yields around every acquire and release, to widen
 *                the interleavings the concurrent tests explore (noise.c).
 *
 * The locks are core_c's own (rwlock.h: one 32-bit word in the node header, inline fast paths,
 * futex sleep), writer-preferring as glibc's PREFER_WRITER_NONRECURSIVE rwlocks that they replace:
 * a reader that asks for a lock with a waiting writer waits behind the writer (writers cannot
 * starve behind a stream of readers); an unlock's last access to the node is its release, so a
 * delete may free a node right after unlocking it. Nodes above level 0 take the same lock
 * reader-biased (rbias.h, node_lock_biased below): same semantics, readers write no shared line.
 * Deadlock freedom does not depend on the
 * preference: every thread acquires locks only in the global order (level descending, then left
 * to right within a level) and never asks again for a lock it holds, so every wait-for edge
 * points to a lock greater than all the waiter holds (spec/ proves this, modelling the writer
 * preference).
 */
#ifndef BSKIP_LOCK_H
#define BSKIP_LOCK_H

#include "internal.h"
#include "rbias.h"

enum lock_mode { LOCK_R = 0, LOCK_W = 1 };
enum trace_op { TRACE_GET, TRACE_PUT, TRACE_DELETE, TRACE_SCAN };

/* What a lock event records: a request (before the thread may wait), a grant (the lock obtained)
 * or a release (before the lock is given up). */
enum trace_lock { TRACE_REQUEST, TRACE_GRANT, TRACE_RELEASE };

#ifdef BSKIP_TRACE
/* A W release of a node above level 0 also records the nodes its entries' down pointers name
 * (the model's parent entries: spec/replay.py checks them against the model's state). */
void bskip__trace_lock_event(const node *x, enum trace_lock what, enum lock_mode mode);
/* An operation of m begins or ends; height: a put's drawn height (0 for other operations). */
void bskip__trace_op_event(const bskip *m, int begin, enum trace_op op, int64_t key, int height);
/* x, just unlinked by a delete, is freed now (immediate reclamation). */
void bskip__trace_free_event(const node *x);
/* y is linked right after x (link != 0), or unlinked from after x: the node's place in its
 * level's list, so the checker orders nodes by list position, not by keys that may change. */
void bskip__trace_link_event(const node *x, const node *y, int link);
#else
static inline void bskip__trace_link_event(const node *x, const node *y, int link) {
    (void)x; (void)y; (void)link;
}
static inline void bskip__trace_lock_event(const node *x, enum trace_lock what, enum lock_mode mode) {
    (void)x; (void)what; (void)mode;
}
static inline void bskip__trace_op_event(const bskip *m, int begin, enum trace_op op, int64_t key,
                                         int height) {
    (void)m; (void)begin; (void)op; (void)key; (void)height;
}
static inline void bskip__trace_free_event(const node *x) { (void)x; }
#endif

#ifdef BSKIP_NOISE
void bskip__noise_point(void);
#else
static inline void bskip__noise_point(void) {}
#endif

/* Initialises x's lock (unlocked). */
static inline void node_lock_init(node *x) {
    rwlock_init(&x->lock);
}

/* Which nodes are locked reader-biased (rbias.h): those above level 0. Every operation read-locks
 * the few upper-level nodes on its path and few write them (a put of height > level, a delete of
 * a promoted key, a split or merge there), so their readers announce in per-thread slots instead
 * of all writing the node's word. Level-0 nodes are written often and spread over many lines, so
 * the word lock alone serves them (a biased writer pays a check of every thread's slot). `level`
 * is immutable, so lock and unlock of one node always take the same kind of path. */
static inline bool node_lock_biased(const node *x) {
    return x->level > 0;
}

/* Acquires x in `mode`. REQUIRES: x is greater, in the global order, than every lock the calling
 * thread holds (the caller's comment names why). Both kinds of lock keep rwlock.h's (a)-(e). */
static inline void node_lock(node *x, enum lock_mode mode) {
    bskip__noise_point();
    bskip__trace_lock_event(x, TRACE_REQUEST, mode);
    if (!node_lock_biased(x)) {
        if (mode == LOCK_W) rwlock_wrlock(&x->lock);
        else rwlock_rdlock(&x->lock);
    } else {
        if (mode == LOCK_W) rwlock_wrlock_biased(&x->lock);
        else rwlock_rdlock_biased(&x->lock);
    }
    bskip__trace_lock_event(x, TRACE_GRANT, mode);
}

/* node_lock for a node just reached through a pointer (a right or a down step), whose lines are
 * likely cold: its header and keys are prefetched first, so they load while the lock is asked
 * for and the search in it finds them on their way (bench/README.md: the step to a new node is a
 * read's most frequent cache miss). A prefetch is only a hint, safe on any address: the lock's
 * semantics and order rule are node_lock's. */
static inline void node_lock_ahead(const bskip *m, node *x, enum lock_mode mode) {
    node_prefetch(m, x);
    node_lock(x, mode);
}

/* Releases x, held in `mode` by the calling thread. */
static inline void node_unlock(node *x, enum lock_mode mode) {
    bskip__trace_lock_event(x, TRACE_RELEASE, mode);
    if (mode == LOCK_W) rwlock_wrunlock(&x->lock); /* W: the same release on either kind */
    else if (!node_lock_biased(x)) rwlock_rdunlock(&x->lock);
    else rwlock_rdunlock_biased(&x->lock); /* (d): reads only this thread's slot, not x */
    bskip__noise_point();
}

#endif /* BSKIP_LOCK_H */
