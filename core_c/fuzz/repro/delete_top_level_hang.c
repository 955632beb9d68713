/* delete_top_level_hang.c — reproducer: since 040f825, bskip_delete never returns for a key that is
 * on the highest possible level (BSKIP_MAX_LEVELS - 1 = 31, height 32).
 *
 * delete_pass caps t at BSKIP_MAX_LEVELS - 2 and starts one level above it, at level 31, read-
 * locked; meeting k there returns RETRY_BASE + 31; bskip_delete retries with t = 31, which is
 * capped to 30 again: the same pass forever (a livelock holding no lock, so other threads go on).
 * Heights reach 32 with probability p^31: with promote_prob 0.9 about 4% of keys.
 *
 * Found by fuzz_api (inputs with promote_prob 0.9 and deletes) as a replay that never ends.
 * Build/run: make -C core_c/fuzz build/repro_delete_top_level_hang && ./build/repro_...
 * Exit status 1 (after a 10 s alarm) while the bug is present, 0 once every delete returns.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bskip.h"

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "BUG: bskip_delete did not return within 10 s (key of height 32)\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(1);
    _exit(1);
}

int main(void) {
    bskip *m = NULL;
    bskip_options o = {.node_bytes = 256, .promote_prob = 0.9, .seed = 1};
    if (bskip_new(&m, &o) != BSKIP_OK) return 2;
    int64_t n = 0;
    while (bskip_height(m) < 32 && n < 100000) bskip_put(m, n++, 0, NULL);
    printf("%lld keys, height %d; deleting them all\n", (long long)n, bskip_height(m));
    fflush(stdout);
    signal(SIGALRM, on_alarm);
    alarm(10);
    for (int64_t k = 0; k < n; k++) bskip_delete(m, k, NULL);
    alarm(0);
    printf("ok: every delete returned, len %zu\n", bskip_len(m));
    bskip_free(m);
    return 0;
}
