/* test_link_clash.c — a user program may use the names of the library's internals for its own.
 *
 * Defines, with signatures of its own, every name that core_c once used for an internal cross-file
 * function (node_alloc, spare_take, core_malloc, ... — now bskip__*), then drives a map through
 * every code path that calls those internals (splits, merges, spare nodes, batch runs, scans,
 * the executor). Linked once against libbskip.a (build/<variant>/test_link_clash) and once
 * against libbskip.so (build/release/test_link_clash_shared). It fails
 *   - to link against the archive if the library still defines one of these names ("multiple
 *     definition");
 *   - at run time against the shared library if the library still exports one: the program's
 *     definition would then preempt the library's own calls (symbol interposition), which this
 *     test sees as a call it did not make (or as a crash: these stand-ins return nonsense).
 */
#include <bskip.h>
#include <bskip_exec.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h" /* CHECK */

static int calls; /* calls of the stand-ins below; the program makes exactly NAMES of them */
static const char *last_called = "";

#define STANDIN(ret, name, params, result) \
    ret name params {                       \
        calls++;                            \
        last_called = #name;                \
        return result;                      \
    }

/* the former internal names (alloc.c, map.c, insert.c, noise.c, trace.c), each a user function */
STANDIN(int, core_malloc, (int a), a + 1)
STANDIN(int, core_calloc, (int a, int b), a * b)
STANDIN(const char *, core_aligned, (void), "mine")
STANDIN(int, node_alloc, (int level), level * 2)
STANDIN(int, node_free, (int a), -a)
STANDIN(int, node_lock_init, (void), 7)
STANDIN(int, node_move_tail, (int a), a)
STANDIN(int, put_with_height, (int h), h)
STANDIN(int, put_sorted_run, (int n), n)
STANDIN(int, spare_reserve, (int n), n)
STANDIN(void *, spare_take, (int level), (void *)(intptr_t)(level + 1)) /* not a node */
STANDIN(int, spare_count, (void), -1)
STANDIN(int, spare_release_thread, (int a), a)
STANDIN(int, draw_height, (void), 1000) /* not a valid height */
STANDIN(int, noise_point, (int a), a)
STANDIN(int, trace_lock_event, (void), 0)
STANDIN(int, trace_op_event, (void), 0)
STANDIN(int, trace_free_event, (void), 0)
#define NAMES 18


/* Calls every stand-in once, from the program itself. */
static int call_own(void) {
    int sum = core_malloc(1) + core_calloc(2, 3) + (core_aligned()[0] == 'm') + node_alloc(4) +
              node_free(5) + node_lock_init() + node_move_tail(6) + put_with_height(7) +
              put_sorted_run(8) + spare_reserve(9) + (spare_take(10) != NULL) + spare_count() +
              spare_release_thread(11) + draw_height() + noise_point(12) + trace_lock_event() +
              trace_op_event() + trace_free_event();
    return sum;
}

/* Puts, overwrites, deletes, scans and batches on small nodes: splits, merges, spare nodes,
 * height draws and batch runs all happen; checks the results against a plain array. */
static void use_map(void) {
    enum { N = 4000 };
    static int64_t keys[N], vals[N], out_k[N], out_v[N];
    bskip_options o = {.node_bytes = 256, .promote_prob = 0.25, .seed = 7};
    bskip *m = NULL;
    CHECK(bskip_new(&m, &o) == BSKIP_OK, "bskip_new");
    for (int64_t i = 0; i < N; i++) {
        int64_t k = (i * 7919) % N; /* a permutation of 0..N-1 */
        CHECK(bskip_put(m, k, k * 3, NULL) == BSKIP_INSERTED, "put %lld", (long long)k);
    }
    for (int64_t k = 0; k < N; k += 2) CHECK(bskip_delete(m, k, NULL) == BSKIP_OK, "delete");
    for (int64_t i = 0; i < N; i++) {
        keys[i] = N - 1 - i; /* descending: put_many sorts it and inserts ascending runs */
        vals[i] = -keys[i];
    }
    CHECK(bskip_put_many(m, keys, vals, N, NULL) == N / 2, "put_many: N/2 new keys");
    int64_t n = bskip_scan(m, 0, N, out_k, out_v, N);
    CHECK(n == N, "scan returned %lld", (long long)n);
    for (int64_t i = 0; i < N; i++)
        CHECK(out_k[i] == i && out_v[i] == -i, "entry %lld", (long long)i);
    bskip_exec_op ops[4] = {{.kind = BSKIP_OP_PUT, .key = N, .arg = 1},
                            {.kind = BSKIP_OP_GET, .key = N},
                            {.kind = BSKIP_OP_DELETE, .key = 1},
                            {.kind = BSKIP_OP_SCAN, .key = 0, .arg = 10, .limit = 10}};
    size_t offsets[3] = {0, 2, 4};
    CHECK(bskip_exec_run(m, ops, offsets, 2, out_k, out_v, N) == BSKIP_OK, "exec_run");
    CHECK(ops[1].status == BSKIP_OK && ops[1].value == 1, "exec get");
    /* now 0..N-1 but 1, and N: the positional and reverse reads, one thread (so exact) */
    bskip_exec_op reads[5] = {{.kind = BSKIP_OP_SELECT, .key = 0},
                              {.kind = BSKIP_OP_SELECT, .key = -1},
                              {.kind = BSKIP_OP_RANK, .key = 5},
                              {.kind = BSKIP_OP_RANK, .key = 1},
                              {.kind = BSKIP_OP_SCAN_DESC, .key = 0, .arg = 9, .limit = 3}};
    size_t one[2] = {0, 5};
    CHECK(bskip_exec_run(m, reads, one, 1, out_k, out_v, 3) == BSKIP_OK, "exec_run reads");
    CHECK(reads[0].status == BSKIP_OK && reads[0].out_key == 0 && reads[0].value == 0, "select 0");
    CHECK(reads[1].status == BSKIP_OK && reads[1].out_key == N && reads[1].value == 1, "select -1");
    CHECK(reads[2].status == BSKIP_OK && reads[2].value == 4, "rank 5: %lld", (long long)reads[2].value);
    CHECK(reads[3].status == BSKIP_NOT_FOUND && reads[3].value == 1, "rank of the absent 1");
    CHECK(reads[4].status == 3 && out_k[0] == 9 && out_k[1] == 8 && out_k[2] == 7 && out_v[2] == -7,
          "scan_desc [0, 9]: %d", (int)reads[4].status);
    CHECK(bskip_delete_many(m, keys, N) == N - 1, "delete_many");
    CHECK(bskip_len(m) == 1 && bskip_get(m, N, NULL) == BSKIP_OK, "len %zu", bskip_len(m));
    char msg[256];
    CHECK(bskip_validate(m, msg, sizeof msg) == BSKIP_OK, "validate: %s", msg);
    bskip_free(m);
}

int main(void) {
    int sum = call_own();
    CHECK(calls == NAMES, "the program's own calls: %d", calls);
    use_map();
    CHECK(calls == NAMES, "the library called the program's %s (%d calls in all): an internal name "
          "is still global", last_called, calls);
    printf("test_link_clash: ok (%d internal names of its own, sum %d; the map never called them)\n",
           NAMES, sum);
    return 0;
}
