/* test_growing_maps.c — many short concurrent runs on fresh maps, while their height grows.
 *
 * What is generated: thousands of small programs (2-8 threads, 1-12 ops each: get, put, delete,
 * scan over 4-40 keys, after 0-80 setup puts) run by bskip_exec_run on a fresh map with
 * 256-byte nodes, each map starting at height 1, so the top level rises *during* the runs.
 * What is checked: every run returns BSKIP_OK and the map validates afterwards (keys ascending,
 * every upper key heading the node its pointer names, len == level-0 count); under ASan any
 * use-after-free aborts the test.
 * Why: this is the regression test of a real bug the history hunt found — a delete that started
 * its descent at a stale top could free a node that a concurrent put, having raised the top and
 * inserted the key above, had just made that key's child. Long-lived maps (test_stress.c) almost
 * never hit that window; fresh maps hit it within a few thousand runs. With -DBSKIP_NOISE (make
 * trace) the schedule noise widens the window further.
 */
#include <bskip_exec.h>
#include <bskip_testing.h>

#include "test_util.h"

#define MAX_OPS 200

int main(void) {
    long runs = 6000 / test_scale();
    rng r = {2024};
    bskip_noise_set(3); /* BSKIP_ENOTSUP outside the noise build: harmless */
    static bskip_exec_op ops[MAX_OPS];
    static int64_t scan_keys[MAX_OPS * 16], scan_vals[MAX_OPS * 16];
    size_t offsets[9];
    for (long run = 0; run < runs; run++) {
        bskip_options o = {.node_bytes = 256, .seed = (uint64_t)run + 1};
        bskip *m;
        CHECK(bskip_new(&m, &o) == BSKIP_OK, "new");
        int64_t keys = 4 + (int64_t)rng_below(&r, 37);
        long setup = (long)rng_below(&r, (uint64_t)(2 * keys + 1));
        for (long i = 0; i < setup; i++)
            CHECK(bskip_put(m, (int64_t)rng_below(&r, (uint64_t)keys), (int64_t)rng_below(&r, 100), NULL) > 0, "setup put");
        size_t nthreads = 2 + (size_t)rng_below(&r, 7), n = 0;
        int64_t room = 0;
        for (size_t t = 0; t < nthreads; t++) {
            offsets[t] = n;
            size_t count = 1 + (size_t)rng_below(&r, 12);
            for (size_t j = 0; j < count; j++) {
                bskip_exec_op *op = &ops[n++];
                unsigned kind = (unsigned)rng_below(&r, 10);
                *op = (bskip_exec_op){.key = (int64_t)rng_below(&r, (uint64_t)keys)};
                if (kind <= 2) {
                    op->kind = BSKIP_OP_GET;
                } else if (kind <= 5) {
                    op->kind = BSKIP_OP_PUT;
                    op->arg = (int64_t)rng_below(&r, 100);
                } else if (kind <= 7) {
                    op->kind = BSKIP_OP_DELETE;
                } else {
                    op->kind = BSKIP_OP_SCAN;
                    op->arg = op->key + (int64_t)rng_below(&r, (uint64_t)keys + 1);
                    op->limit = (int64_t)rng_below(&r, 17);
                    op->scan_offset = room;
                    room += op->limit;
                }
            }
        }
        offsets[nthreads] = n;
        CHECK(bskip_exec_run(m, ops, offsets, nthreads, scan_keys, scan_vals, (size_t)room) == BSKIP_OK, "run %ld", run);
        char msg[256];
        CHECK(bskip_validate(m, msg, sizeof msg) == BSKIP_OK, "run %ld: %s", run, msg);
        bskip_free(m);
    }
    printf("test_growing_maps: %ld runs ok\n", runs);
    return 0;
}
