/* bskip_testing.h — test-only instrumentation of the pybskip core: lock traces and schedule noise.
 *
 * These functions exist in every build, but do something only in a build compiled with
 * -DBSKIP_TRACE (lock tracing), -DBSKIP_NOISE (schedule noise) or -DBSKIP_FAILALLOC (allocation
 * failure injection); otherwise they return
 * BSKIP_ENOTSUP. The release library is built without either: zero cost there.
 * Test-only: `make install` does not install this header (bskip.h and bskip_exec.h are the public
 * API), though the library exports these functions like any other bskip_ function.
 *
 * Trace format (JSON Lines, one event per line, ascending `seq`; spec/ checks it by its rules,
 * trace_check.py, and replays it through the model's transitions, replay.py):
 *   {"seq":1,"thread":0,"ev":"begin","op":"put","key":42,"height":2}  (height: a put's only)
 *   {"seq":2,"thread":0,"ev":"request","mode":"R","node":3,"level":1,"key":null}
 *   {"seq":3,"thread":0,"ev":"acquire","mode":"R","node":3,"level":1,"key":null}
 *   {"seq":4,"thread":0,"ev":"release","mode":"W","node":3,"level":1,"key":null,"kids":[12,15]}
 *   {"seq":5,"thread":0,"ev":"link","node":12,"level":0,"after":7}     (after null: a head)
 *   {"seq":8,"thread":1,"ev":"unlink","node":12,"level":0,"after":7}
 *   {"seq":9,"thread":1,"ev":"free","node":12,"level":0}
 *   {"seq":10,"thread":0,"ev":"end","op":"put"}
 * "request" is recorded just before the thread asks the rwlock (it may then wait), "acquire" just
 * after it returns. A write release above level 0 carries "kids": the ids of the nodes its
 * entries' down pointers name (in entry order), read while the lock is still held. "free" follows
 * the release of a node a delete unlinked, just before its memory is returned.
 * "link" records a new node linked right after `after` (just before the new node's acquire);
 * "unlink" records a node removed from after `after` (while its unlinker still holds both), so
 * the checker knows each level's list order by node identity (spec/trace_check.py).
 * "key" of a lock event is the node's first key when the event is recorded (null for a head
 * sentinel, whose position is -infinity, and for a non-head node emptied by its holder). An
 * acquire is recorded just after the lock is obtained and a release just before it is given up,
 * so the `seq` order of a lock's events is the order in which threads really held it.
 */
#ifndef BSKIP_TESTING_H
#define BSKIP_TESTING_H

#include <stdint.h>

#include "bskip.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { BSKIP_FEATURE_TRACE = 1, BSKIP_FEATURE_NOISE = 2, BSKIP_FEATURE_FAILALLOC = 4 };

/* Bit set of BSKIP_FEATURE_* compiled into this build. */
BSKIP_API int bskip_testing_features(void);

/* Discards any recorded events and starts recording lock events of every map, in every thread. */
BSKIP_API int bskip_trace_start(void);

/* Stops recording and writes the events, in seq order, to `path` as JSON Lines. REQUIRES: no
 * operation in flight (join the threads first). Returns the number of events written, or
 * BSKIP_ENOTSUP, BSKIP_ENOMEM, BSKIP_ESYS (file), BSKIP_EINVAL (path NULL). */
BSKIP_API int64_t bskip_trace_stop(const char *path);

/* Writes the events recorded so far to `path` (a prefix of the seqs: every event with seq below
 * the first one missing) while recording goes on, e.g. from a watchdog when a traced run hangs.
 * Returns the number written, or BSKIP_ENOTSUP, BSKIP_ENOMEM, BSKIP_ESYS, BSKIP_EINVAL. */
BSKIP_API int64_t bskip_trace_dump(const char *path);

/* Sets schedule noise: 0 = off; 1..10 = more frequent and longer random spins and yields at every
 * lock acquire and release. Returns BSKIP_OK, BSKIP_EINVAL or BSKIP_ENOTSUP. */
BSKIP_API int bskip_noise_set(int level);

/* Out-of-memory injection (-DBSKIP_FAILALLOC builds): the nth allocation attempted from now
 * (1-based) fails, and with sticky != 0 every later one too; nth <= 0 turns failures off.
 * bskip_alloc_count returns the allocations attempted since the last bskip_failalloc_set. */
BSKIP_API int bskip_failalloc_set(int64_t nth, int sticky);
BSKIP_API int64_t bskip_alloc_count(void);

#ifdef __cplusplus
}
#endif
#endif /* BSKIP_TESTING_H */
