/* put_many_enomem_order.c — reproducer: after BSKIP_ENOMEM, bskip_put_many's *applied does not
 * name a prefix of the batch in index order, as bskip.h promises ("on BSKIP_ENOMEM the pairs
 * before *applied were applied and none after"), for batches of >= 64 unsorted pairs: batch.c
 * sorts them and *applied counts distinct keys applied in ascending key order.
 *
 * Build and run (from core_c/fuzz): make build/repro_put_many_enomem_order && ./build/repro_...
 * Batch: keys 63, 62, ..., 0 (descending). With the k-th and later allocations failing, the map after the
 * failed call must hold exactly keys[0..applied) = {63, 62, ...}; it holds {0, 1, ...} instead.
 * Exit status 1 while the discrepancy is present (the first k that shows it is printed).
 */
#include <stdio.h>

#include "bskip.h"
#include "bskip_testing.h"

#define N 64

int main(void) {
    int64_t keys[N], vals[N];
    for (int i = 0; i < N; i++) {
        keys[i] = N - 1 - i;
        vals[i] = i;
    }
    for (int64_t k = 1; k < 60; k++) {
        bskip *m = NULL;
        bskip_options o = {.node_bytes = 256, .promote_prob = 0.5, .seed = 1};
        if (bskip_new(&m, &o) != BSKIP_OK) return 2;
        size_t applied = 0;
        bskip_failalloc_set(k, 1); /* sticky: the k-th and every later allocation fail */
        int64_t rc = bskip_put_many(m, keys, vals, N, &applied);
        bskip_failalloc_set(0, 0);
        if (rc == BSKIP_ENOMEM && applied > 0) {
            for (size_t i = 0; i < applied; i++) {
                if (bskip_get(m, keys[i], NULL) != BSKIP_OK) {
                    printf("k=%lld: put_many returned ENOMEM with applied=%zu, but keys[%zu]=%lld "
                           "(index order) is absent; len=%zu; key 0 is %s\n",
                           (long long)k, applied, i, (long long)keys[i], bskip_len(m),
                           bskip_get(m, 0, NULL) == BSKIP_OK ? "present" : "absent");
                    bskip_free(m);
                    return 1;
                }
            }
        }
        bskip_free(m);
    }
    printf("ok: every ENOMEM left exactly the first *applied pairs (index order)\n");
    return 0;
}
