/* put_many_enomem_order.c — reproducer (resolved): after BSKIP_ENOMEM, bskip_put_many's *applied
 * named a prefix of the batch in *key* order for batches of >= 64 unsorted pairs, while bskip.h
 * promised index order. eb6bcd5 changed bskip.h to document the sorted order; this program now
 * checks the documented behaviour.
 *
 * Batch: keys 63, 62, ..., 0 (descending, so sorted first). With the k-th and every later
 * allocation failing, the map after a failed call must hold exactly the `applied` smallest keys.
 * Build/run: make -C core_c/fuzz build/repro_put_many_enomem_order && ./build/repro_...
 * Exit status 1 (naming k) if the map differs from the documented prefix, 0 otherwise.
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
    int partial = 0;
    for (int64_t k = 1; k < 60; k++) {
        bskip *m = NULL;
        bskip_options o = {.node_bytes = 256, .promote_prob = 0.5, .seed = 1};
        if (bskip_new(&m, &o) != BSKIP_OK) return 2;
        size_t applied = 0;
        bskip_failalloc_set(k, 1); /* sticky: the k-th and every later allocation fail */
        int64_t rc = bskip_put_many(m, keys, vals, N, &applied);
        bskip_failalloc_set(0, 0);
        if (rc == BSKIP_ENOMEM) {
            partial += applied > 0;
            for (int64_t key = 0; key < N; key++) {
                int want = key < (int64_t)applied;
                if ((bskip_get(m, key, NULL) == BSKIP_OK) != want || bskip_len(m) != applied) {
                    printf("k=%lld: ENOMEM with applied=%zu, but key %lld is %s (len %zu)\n",
                           (long long)k, applied, (long long)key, want ? "absent" : "present",
                           bskip_len(m));
                    bskip_free(m);
                    return 1;
                }
            }
        }
        bskip_free(m);
    }
    printf("ok: every ENOMEM left exactly the documented prefix (%d partial batches seen)\n", partial);
    return 0;
}
