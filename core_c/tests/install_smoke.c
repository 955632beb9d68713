/* install_smoke.c — the program tests/test_install.sh builds against an installed libbskip.
 *
 * Written as a user would, against the installed public headers only (bskip.h, bskip_exec.h),
 * and compiled with `-std=c11 -pedantic -Wall -Wextra -Werror` plus what pkg-config says, linked
 * once against libbskip.a and once against libbskip.so. Exits 0 and prints one line on success.
 */
#include <bskip.h>
#include <bskip_exec.h>
#include <stdio.h>

#define FAIL(what)                                     \
    do {                                               \
        fprintf(stderr, "install_smoke: %s\n", what); \
        return 1;                                      \
    } while (0)

int main(void) {
    bskip *m = NULL;
    if (bskip_new(&m, NULL) != BSKIP_OK) FAIL("bskip_new");
    for (int64_t k = 0; k < 1000; k++)
        if (bskip_put(m, k, k * k, NULL) != BSKIP_INSERTED) FAIL("bskip_put");
    int64_t v = 0;
    if (bskip_get(m, 30, &v) != BSKIP_OK || v != 900) FAIL("bskip_get");
    int64_t keys[10], values[10];
    if (bskip_scan(m, 100, 200, keys, values, 10) != 10 || keys[9] != 109) FAIL("bskip_scan");
    bskip_exec_op ops[2] = {{.kind = BSKIP_OP_DELETE, .key = 5}, {.kind = BSKIP_OP_GET, .key = 6}};
    size_t offsets[2] = {0, 2};
    if (bskip_exec_run(m, ops, offsets, 1, NULL, NULL, 0) != BSKIP_OK || ops[1].value != 36)
        FAIL("bskip_exec_run");
    char msg[128];
    if (bskip_len(m) != 999 || bskip_validate(m, msg, sizeof msg) != BSKIP_OK) FAIL(msg);
    bskip_free(m);
    printf("install_smoke: ok (%s)\n", bskip_strerror(BSKIP_OK));
    return 0;
}
