/* test_edge.c — edge cases of the public API, one check per documented behaviour.
 *
 * Covered: extreme keys and values (INT64_MIN, INT64_MAX, 0), duplicates (put twice -> REPLACED
 * with the old value), deleting absent keys, empty maps, scans with empty ranges, lo > hi
 * (BSKIP_EINVAL), cap 0, NULL arguments, invalid options, bskip_strerror for every code,
 * adversarial insertion orders (ascending, descending, alternating ends) that stress the head
 * nodes, overflow splits and tall shapes, followed by deletion of everything.
 */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static bskip *fresh(size_t node_bytes) {
    bskip_options o = {.node_bytes = node_bytes};
    bskip *m = NULL;
    CHECK(bskip_new(&m, &o) == BSKIP_OK && m != NULL, "new(%zu)", node_bytes);
    return m;
}

static void test_extremes(void) {
    bskip *m = fresh(0);
    const int64_t ks[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1};
    for (size_t i = 0; i < 7; i++) CHECK(bskip_put(m, ks[i], ks[(i + 1) % 7], NULL) == BSKIP_INSERTED, "put %zu", i);
    for (size_t i = 0; i < 7; i++) {
        int64_t v;
        CHECK(bskip_get(m, ks[i], &v) == BSKIP_OK && v == ks[(i + 1) % 7], "get extreme %zu", i);
    }
    int64_t keys[16], vals[16];
    int64_t n = bskip_scan(m, INT64_MIN, INT64_MAX, keys, vals, 16);
    CHECK(n == 6, "scan [MIN, MAX) excludes MAX: got %" PRId64, n);
    CHECK(keys[0] == INT64_MIN && keys[5] == INT64_MAX - 1, "scan order");
    for (int64_t i = 1; i < n; i++) CHECK(keys[i - 1] < keys[i], "ascending");
    CHECK(bskip_scan(m, INT64_MAX, INT64_MAX, keys, vals, 16) == 0, "empty range at MAX");
    CHECK(bskip_scan(m, INT64_MIN, INT64_MIN, keys, vals, 16) == 0, "empty range at MIN");
    CHECK(bskip_scan(m, INT64_MIN, INT64_MIN + 1, keys, vals, 16) == 1 && keys[0] == INT64_MIN, "[MIN, MIN+1)");
    CHECK(bskip_scan(m, INT64_MAX - 1, INT64_MAX, keys, NULL, 16) == 1, "values may be NULL");
    int64_t old;
    CHECK(bskip_delete(m, INT64_MIN, &old) == BSKIP_OK && old == ks[1], "delete MIN");
    CHECK(bskip_delete(m, INT64_MIN, &old) == BSKIP_NOT_FOUND, "delete MIN twice");
    CHECK(bskip_get(m, INT64_MIN, NULL) == BSKIP_NOT_FOUND, "MIN gone");
    CHECK(bskip_delete(m, INT64_MAX, NULL) == BSKIP_OK, "delete MAX (old_value NULL)");
    CHECK(bskip_len(m) == 5, "len after deletes");
    CHECK_VALID(m);
    bskip_free(m);
}

static void test_duplicates_and_absent(void) {
    bskip *m = fresh(256);
    int64_t old = 12345, v;
    CHECK(bskip_delete(m, 7, &old) == BSKIP_NOT_FOUND && old == 12345, "delete from empty leaves old_value");
    CHECK(bskip_get(m, 7, &v) == BSKIP_NOT_FOUND, "get from empty");
    CHECK(bskip_put(m, 7, 1, &old) == BSKIP_INSERTED && old == 12345, "insert leaves old_value");
    CHECK(bskip_put(m, 7, 2, &old) == BSKIP_REPLACED && old == 1, "replace returns old");
    CHECK(bskip_put(m, 7, 3, NULL) == BSKIP_REPLACED, "replace without old_value");
    CHECK(bskip_get(m, 7, &v) == BSKIP_OK && v == 3, "value replaced");
    CHECK(bskip_len(m) == 1, "duplicates do not grow len");
    CHECK(bskip_put_if_absent(m, 7, 99, &old) == BSKIP_OK && old == 3, "put_if_absent keeps existing");
    CHECK(bskip_get(m, 7, &v) == BSKIP_OK && v == 3, "value kept");
    CHECK(bskip_put_if_absent(m, 9, 99, &old) == BSKIP_INSERTED, "put_if_absent inserts");
    CHECK(bskip_delete(m, 9, &old) == BSKIP_OK && old == 99, "inserted value");
    CHECK(bskip_delete(m, 8, NULL) == BSKIP_NOT_FOUND, "absent neighbour");
    CHECK(bskip_delete(m, 6, NULL) == BSKIP_NOT_FOUND, "absent neighbour");
    CHECK_VALID(m);
    bskip_free(m);
}

static void test_invalid_arguments(void) {
    bskip *m = fresh(0);
    int64_t keys[4];
    CHECK(bskip_scan(m, 5, 4, keys, NULL, 4) == BSKIP_EINVAL, "lo > hi");
    CHECK(bskip_scan(m, INT64_MAX, INT64_MIN, keys, NULL, 4) == BSKIP_EINVAL, "MAX > MIN");
    CHECK(bskip_scan(m, 0, 10, NULL, NULL, 4) == BSKIP_EINVAL, "NULL keys with cap");
    CHECK(bskip_scan(m, 0, 10, NULL, NULL, 0) == 0, "cap 0");
    CHECK(bskip_put(NULL, 1, 1, NULL) == BSKIP_EINVAL, "put NULL map");
    CHECK(bskip_get(NULL, 1, NULL) == BSKIP_EINVAL, "get NULL map");
    CHECK(bskip_delete(NULL, 1, NULL) == BSKIP_EINVAL, "delete NULL map");
    CHECK(bskip_scan(NULL, 0, 1, keys, NULL, 1) == BSKIP_EINVAL, "scan NULL map");
    CHECK(bskip_validate(NULL, NULL, 0) == BSKIP_EINVAL, "validate NULL");
    CHECK(bskip_len(NULL) == 0, "len NULL");
    CHECK(bskip_new(NULL, NULL) == BSKIP_EINVAL, "new NULL out");
    bskip *b = (bskip *)&keys;
    bskip_options o = {.node_bytes = 100};
    CHECK(bskip_new(&b, &o) == BSKIP_EINVAL && b == NULL, "node too small");
    o.node_bytes = 1u << 20;
    CHECK(bskip_new(&b, &o) == BSKIP_EINVAL, "node too large");
    bskip_options p1 = {.promote_prob = 1.0}, p2 = {.promote_prob = -0.5}, p3 = {.promote_prob = NAN};
    CHECK(bskip_new(&b, &p1) == BSKIP_EINVAL, "p = 1");
    CHECK(bskip_new(&b, &p2) == BSKIP_EINVAL, "p < 0");
    CHECK(bskip_new(&b, &p3) == BSKIP_EINVAL, "p NaN");
    bskip_free(NULL);
    const int codes[] = {BSKIP_OK, BSKIP_INSERTED, BSKIP_REPLACED, BSKIP_NOT_FOUND, BSKIP_ENOMEM,
                         BSKIP_EINVAL, BSKIP_ECORRUPT, BSKIP_ESYS, BSKIP_ENOTSUP};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK(strcmp(bskip_strerror(codes[i]), bskip_strerror(-999)) != 0, "strerror(%d)", codes[i]);
    CHECK(bskip_validate(m, NULL, 0) == BSKIP_OK, "validate empty, no message buffer");
    bskip_free(m);
}

/* Inserts n keys in `order`, checks, then deletes them in the same order. */
static void test_order(const char *name, size_t node_bytes, int order, int64_t n) {
    bskip *m = fresh(node_bytes);
    for (int64_t i = 0; i < n; i++) {
        int64_t k = order == 0 ? i : order == 1 ? n - i : (i % 2 ? i : -i);
        CHECK(bskip_put(m, k, -k, NULL) == BSKIP_INSERTED, "%s put %" PRId64, name, k);
    }
    CHECK_VALID(m);
    CHECK(bskip_len(m) == (size_t)n, "%s len", name);
    CHECK(bskip_height(m) < 20, "%s height %d stays logarithmic", name, bskip_height(m));
    for (int64_t i = 0; i < n; i++) {
        int64_t k = order == 0 ? i : order == 1 ? n - i : (i % 2 ? i : -i), v;
        CHECK(bskip_get(m, k, &v) == BSKIP_OK && v == -k, "%s get", name);
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t k = order == 0 ? i : order == 1 ? n - i : (i % 2 ? i : -i);
        CHECK(bskip_delete(m, k, NULL) == BSKIP_OK, "%s delete %" PRId64, name, k);
        if (i % 20011 == 0) CHECK_VALID(m);
    }
    CHECK(bskip_len(m) == 0, "%s empty", name);
    CHECK_VALID(m);
    bskip_free(m);
}

static void test_closed_floor_ceiling_batch(void) {
    bskip *m = fresh(256);
    int64_t keys[8], vals[8], k, v;
    CHECK(bskip_floor(m, 0, &k, &v) == BSKIP_NOT_FOUND, "floor of empty");
    CHECK(bskip_ceiling(m, 0, &k, &v) == BSKIP_NOT_FOUND, "ceiling of empty");
    CHECK(bskip_put(m, INT64_MAX, 9, NULL) == BSKIP_INSERTED, "put MAX");
    CHECK(bskip_scan_closed(m, INT64_MAX, INT64_MAX, keys, vals, 8) == 1 && keys[0] == INT64_MAX && vals[0] == 9, "closed scan reaches MAX");
    CHECK(bskip_scan_closed(m, 1, 0, keys, vals, 8) == BSKIP_EINVAL, "closed lo > hi");
    CHECK(bskip_ceiling(m, INT64_MIN, &k, &v) == BSKIP_OK && k == INT64_MAX, "ceiling finds MAX");
    CHECK(bskip_floor(m, INT64_MAX - 1, &k, &v) == BSKIP_NOT_FOUND, "floor below MAX");
    CHECK(bskip_floor(m, INT64_MAX, &k, &v) == BSKIP_OK && k == INT64_MAX && v == 9, "floor at MAX");
    const int64_t bk[5] = {5, 3, 5, INT64_MIN, 7}, bv[5] = {50, 30, 51, -1, 70};
    size_t applied = 0;
    CHECK(bskip_put_many(m, bk, bv, 5, &applied) == 4 && applied == 5, "put_many counts new keys");
    uint8_t found[6];
    const int64_t gk[6] = {5, 4, INT64_MIN, 7, 3, INT64_MAX};
    int64_t gv[6] = {0};
    CHECK(bskip_get_many(m, gk, gv, found, 6) == 5, "get_many hits");
    CHECK(found[1] == 0 && gv[0] == 51 && gv[2] == -1 && gv[5] == 9, "get_many values");
    CHECK(bskip_delete_many(m, gk, 6) == 5 && bskip_len(m) == 0, "delete_many");
    CHECK(bskip_put_many(m, NULL, NULL, 0, NULL) == 0, "empty batch");
    CHECK(bskip_put_many(m, NULL, bv, 1, NULL) == BSKIP_EINVAL, "batch NULL keys");
    CHECK_VALID(m);
    bskip_free(m);
}

/* Large batches take the sorted paths of put_many (radix sort, dedupe, ascending runs): compare
 * them with the same pairs applied one by one to a reference, over mixed signs, extremes,
 * duplicates (the last pair wins) and an already-ascending batch. */
static void test_big_batches(size_t node_bytes) {
    enum { SPAN = 3000, N = 20000 };
    static int64_t ref_val[2 * SPAN + 1];
    static unsigned char ref_has[2 * SPAN + 1];
    static int64_t keys[N], vals[N];
    memset(ref_has, 0, sizeof ref_has);
    bskip *m = fresh(node_bytes);
    rng r = {node_bytes};
    for (int round = 0; round < 6; round++) {
        size_t n = round == 5 ? 2 * SPAN + 1 : 500 + (size_t)rng_below(&r, N - 500);
        int64_t want_new = 0;
        for (size_t i = 0; i < n; i++) {
            keys[i] = round == 5 ? (int64_t)i - SPAN : (int64_t)rng_below(&r, 2 * SPAN + 1) - SPAN;
            vals[i] = (int64_t)rng_next(&r);
            size_t d = (size_t)(keys[i] + SPAN);
            want_new += !ref_has[d];
            ref_has[d] = 1;
            ref_val[d] = vals[i];
        }
        size_t applied = 0;
        int64_t got_new = bskip_put_many(m, keys, vals, n, &applied);
        CHECK(got_new == want_new && applied == n, "round %d: put_many new %" PRId64 " want %" PRId64, round, got_new, want_new);
        CHECK_VALID(m);
        for (int64_t k = -SPAN; k <= SPAN; k++) {
            int64_t v;
            int rc = bskip_get(m, k, &v);
            CHECK(rc == (ref_has[k + SPAN] ? BSKIP_OK : BSKIP_NOT_FOUND), "round %d key %" PRId64, round, k);
            if (rc == BSKIP_OK) CHECK(v == ref_val[k + SPAN], "round %d value of %" PRId64, round, k);
        }
        int64_t delete_keys[100];
        for (int i = 0; i < 100; i++) delete_keys[i] = (int64_t)rng_below(&r, 2 * SPAN + 1) - SPAN;
        int64_t want_del = 0;
        for (int i = 0; i < 100; i++) {
            size_t d = (size_t)(delete_keys[i] + SPAN);
            want_del += ref_has[d];
            ref_has[d] = 0;
        }
        CHECK(bskip_delete_many(m, delete_keys, 100) == want_del, "delete_many count");
    }
    int64_t ext_k[70], ext_v[70];
    for (int i = 0; i < 70; i++) {
        ext_k[i] = i % 2 ? INT64_MAX - i : INT64_MIN + i;
        ext_v[i] = i;
    }
    CHECK(bskip_put_many(m, ext_k, ext_v, 70, NULL) == 70, "extremes batch");
    int64_t v;
    CHECK(bskip_get(m, INT64_MIN, &v) == BSKIP_OK && v == 0, "INT64_MIN via batch");
    CHECK(bskip_get(m, INT64_MAX - 1, &v) == BSKIP_OK && v == 1, "INT64_MAX-1 via batch");
    CHECK_VALID(m);
    bskip_free(m);
}

/* Keys on the highest possible level (height BSKIP_MAX_LEVELS): with p = 0.9 a few percent of
 * keys get there. Every delete must return (a regression test: a delete once re-descended
 * forever for such a key); alarm() turns a hang into a failure. */
static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "test_edge: a delete of a maximal-height key did not return\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(1);
    _exit(1);
}

static void test_maximal_height(void) {
    bskip_options o = {.node_bytes = 256, .promote_prob = 0.9, .seed = 7};
    bskip *m;
    CHECK(bskip_new(&m, &o) == BSKIP_OK, "new");
    for (int64_t k = 0; k < 200; k++) CHECK(bskip_put(m, k, k, NULL) == BSKIP_INSERTED, "put");
    CHECK(bskip_height(m) == 32, "some key reached the top level (height %d)", bskip_height(m));
    CHECK_VALID(m);
    signal(SIGALRM, on_alarm);
    alarm(30);
    for (int64_t k = 0; k < 200; k++) CHECK(bskip_delete(m, k, NULL) == BSKIP_OK, "delete %" PRId64, k);
    alarm(0);
    CHECK(bskip_len(m) == 0, "empty");
    CHECK_VALID(m);
    bskip_free(m);
}

/* One batch whose sorted run crosses a long stretch of full parentless nodes (no promotions),
 * one new key per node: every few keys the run must split a node, far more often than in a
 * random map. The run must stop and take new spares instead of running out of them. */
static void test_run_over_full_nodes(void) {
    enum { NODES = 3000 };
    static int64_t keys[NODES];
    bskip_options o = {.node_bytes = 256, .promote_prob = 1e-12, .seed = 5};
    bskip *m = NULL;
    CHECK(bskip_new(&m, &o) == BSKIP_OK && bskip_node_capacity(m) >= 8, "new");
    const int64_t CAP = (int64_t)bskip_node_capacity(m); /* 256-byte nodes: 13 keys */
    /* ascending even keys fill every node completely: node i holds 2 CAP i .. 2 CAP i + 2 CAP - 2 */
    for (int64_t k = 0; k < 2 * CAP * NODES; k += 2)
        CHECK(bskip_put(m, k, k, NULL) == BSKIP_INSERTED, "put %" PRId64, k);
    for (int i = 0; i < NODES; i++) keys[i] = 2 * CAP * (int64_t)i + 1; /* one key inside each */
    size_t applied = 0;
    CHECK(bskip_put_many(m, keys, keys, NODES, &applied) == NODES && applied == NODES,
          "put_many over full nodes");
    CHECK_VALID(m);
    CHECK(bskip_len(m) == (size_t)(CAP + 1) * NODES, "len %zu", bskip_len(m));
    for (int i = 0; i < NODES; i++) {
        int64_t v;
        CHECK(bskip_get(m, keys[i], &v) == BSKIP_OK && v == keys[i], "get %" PRId64, keys[i]);
    }
    bskip_free(m);
}

int main(void) {
    test_maximal_height();
    test_big_batches(256);
    test_big_batches(0);
    test_run_over_full_nodes();
    test_closed_floor_ceiling_batch();
    test_extremes();
    test_duplicates_and_absent();
    test_invalid_arguments();
    int64_t n = 100000 / test_scale();
    test_order("ascending", 256, 0, n);
    test_order("descending", 256, 1, n);
    test_order("alternating", 0, 2, n);
    test_order("ascending-default", 0, 0, n);
    /* node_bytes that are not a multiple of 8 (or 64): nodes must still be aligned for their
     * int64_t arrays (UBSan's alignment check in the asan build) and hold (bytes - 48) / 16 keys */
    static const size_t odd[] = {257, 1000, 1001, 4099};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        bskip *m = fresh(odd[i]);
        CHECK(bskip_node_capacity(m) == (odd[i] - 48) / 16, "capacity for %zu bytes", odd[i]);
        bskip_free(m);
        test_order("odd-node-bytes", odd[i], 2, n / 4);
    }
    puts("test_edge: ok");
    return 0;
}
