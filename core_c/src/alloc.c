/* alloc.c — every heap allocation of core_c goes through here (trace.c's buffers excepted).
 *
 * In a build with -DBSKIP_FAILALLOC a test can make the nth allocation from now fail (and, when
 * sticky, every one after it), to check that each operation returns BSKIP_ENOMEM and leaves the
 * map valid and unchanged. The release build compiles the plain allocator calls only.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h), posix_memalign */
#endif
#include <stdlib.h>

#include "bskip_testing.h"
#include "internal.h"

#ifdef BSKIP_FAILALLOC
static atomic_int_fast64_t alloc_count;  /* allocations attempted since the last set */
static atomic_int_fast64_t fail_at = -1; /* the attempt number that fails; -1 never */
static atomic_bool fail_sticky;

static bool should_fail(void) {
    int_fast64_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
    int_fast64_t at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (at < 0) return false;
    return n == at || (n > at && atomic_load_explicit(&fail_sticky, memory_order_relaxed));
}

int bskip_failalloc_set(int64_t nth, int sticky) {
    atomic_store(&alloc_count, 0);
    atomic_store(&fail_sticky, sticky != 0);
    atomic_store(&fail_at, nth > 0 ? nth : -1);
    return BSKIP_OK;
}

int64_t bskip_alloc_count(void) { return atomic_load(&alloc_count); }
#else
static inline bool should_fail(void) { return false; }

int bskip_failalloc_set(int64_t nth, int sticky) {
    (void)nth;
    (void)sticky;
    return BSKIP_ENOTSUP;
}

int64_t bskip_alloc_count(void) { return BSKIP_ENOTSUP; }
#endif

void *bskip__malloc(size_t bytes) { return should_fail() ? NULL : malloc(bytes); }

void *bskip__calloc(size_t count, size_t size) {
    return should_fail() ? NULL : calloc(count, size);
}

void *bskip__aligned_alloc(size_t align, size_t bytes) {
    void *p = NULL;
    if (should_fail() || posix_memalign(&p, align, bytes) != 0) return NULL;
    return p;
}
