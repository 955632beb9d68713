/* test_stress.c — multi-threaded stress test: nothing lost, nothing invented, scans well formed.
 *
 * Phase A, disjoint keys: T threads (4 and 8) each own the keys congruent to their id modulo T in a
 * small shared range, so their keys interleave in the same nodes. Each thread keeps an exact
 * reference of its own keys (no one else writes them) and checks every get, put, delete and scan
 * against it: a scan must be sorted, inside [lo, hi), at most cap long, and restricted to the
 * thread's own keys it must equal the reference (up to the last key returned when the cap was
 * hit). At the end the map must hold exactly the union of the references and validate.
 *
 * Phase B, overlapping keys: T threads hammer one small range with every operation. Values encode
 * their key, so a get or scan that returns a value not written for that key is an invented value.
 * Every thread counts, per key, its successful inserts (INSERTED) and deletes (OK). Each INSERTED
 * moves a key from absent to present and each OK delete from present to absent, so at the end
 * inserts - deletes must be exactly 1 for a present key and 0 for an absent one: a lost or
 * duplicated update breaks the count. Then the map must validate and len must match.
 *
 * Why a bug cannot hide: a lock-coupling slip that loses or resurrects a key shows in the counts;
 * a torn node shows in validate or an out-of-order scan; the threads' keys share nodes so splits,
 * merges and unlinks race with readers constantly (tiny 256-byte nodes).
 */
#include <pthread.h>
#include <string.h>

#include "test_util.h"

#define RANGE 2048
#define MAXT 8
#define SCAN_CAP 64

static bskip *map;
static int nthreads;
static long ops_per_thread;
static _Atomic long insert_count[MAXT][RANGE];
static long delete_count[MAXT][RANGE];

static int64_t enc(int64_t key, uint64_t salt) { return key * 1000003 + (int64_t)(salt % 1000003); }
static int value_ok(int64_t key, int64_t v) { return (v - key * 1000003) >= 0 && (v - key * 1000003) < 1000003; }

typedef struct { int id; unsigned char mine[RANGE]; int64_t val[RANGE]; } worker;

static void *disjoint_worker(void *arg) {
    worker *w = arg;
    rng r = {(uint64_t)w->id * 7919 + 1};
    int64_t keys[SCAN_CAP], vals[SCAN_CAP];
    for (long op = 0; op < ops_per_thread; op++) {
        int64_t k = (int64_t)rng_below(&r, RANGE / nthreads) * nthreads + w->id;
        unsigned kind = (unsigned)rng_below(&r, 100);
        int64_t v = 0;
        if (kind < 40) {
            int64_t nv = enc(k, rng_next(&r)), old;
            int rc = bskip_put(map, k, nv, &old);
            CHECK(rc == (w->mine[k] ? BSKIP_REPLACED : BSKIP_INSERTED), "disjoint put rc");
            if (w->mine[k]) CHECK(old == w->val[k], "disjoint put old");
            w->mine[k] = 1;
            w->val[k] = nv;
        } else if (kind < 70) {
            int rc = bskip_delete(map, k, &v);
            CHECK(rc == (w->mine[k] ? BSKIP_OK : BSKIP_NOT_FOUND), "disjoint delete rc %d key %" PRId64, rc, k);
            if (w->mine[k]) CHECK(v == w->val[k], "disjoint delete old");
            w->mine[k] = 0;
        } else if (kind < 90) {
            int rc = bskip_get(map, k, &v);
            CHECK(rc == (w->mine[k] ? BSKIP_OK : BSKIP_NOT_FOUND), "disjoint get rc %d key %" PRId64, rc, k);
            if (w->mine[k]) CHECK(v == w->val[k], "disjoint get value");
        } else {
            int64_t lo = (int64_t)rng_below(&r, RANGE), hi = lo + (int64_t)rng_below(&r, 200);
            size_t cap = 1 + (size_t)rng_below(&r, SCAN_CAP);
            int64_t n = bskip_scan(map, lo, hi, keys, vals, cap);
            CHECK(n >= 0 && (size_t)n <= cap, "scan count");
            for (int64_t i = 0; i < n; i++) {
                CHECK(keys[i] >= lo && keys[i] < hi, "scan bounds");
                CHECK(i == 0 || keys[i - 1] < keys[i], "scan sorted");
                CHECK(value_ok(keys[i], vals[i]), "scan value invented");
            }
            int64_t end = (size_t)n == cap ? keys[n - 1] + 1 : hi; /* range the scan covered */
            int64_t j = 0;
            for (int64_t key = lo; key < end && key < RANGE; key++) {
                while (j < n && keys[j] < key) j++;
                if (key % nthreads != w->id) continue;
                int in_scan = j < n && keys[j] == key;
                CHECK(in_scan == w->mine[key], "scan vs own reference at key %" PRId64, key);
                if (in_scan) CHECK(vals[j] == w->val[key], "scan value vs reference");
            }
        }
    }
    return NULL;
}

static void *overlap_worker(void *arg) {
    int id = *(int *)arg;
    rng r = {(uint64_t)id * 104729 + 3};
    int64_t keys[SCAN_CAP], vals[SCAN_CAP];
    for (long op = 0; op < ops_per_thread; op++) {
        int64_t k = (int64_t)rng_below(&r, 512), v;
        unsigned kind = (unsigned)rng_below(&r, 100);
        if (kind < 40) {
            if (bskip_put(map, k, enc(k, rng_next(&r)), &v) == BSKIP_INSERTED) insert_count[id][k]++;
            else CHECK(value_ok(k, v), "put old value invented");
        } else if (kind < 70) {
            if (bskip_delete(map, k, &v) == BSKIP_OK) {
                delete_count[id][k]++;
                CHECK(value_ok(k, v), "delete old value invented");
            }
        } else if (kind < 90) {
            if (bskip_get(map, k, &v) == BSKIP_OK) CHECK(value_ok(k, v), "get value invented");
        } else {
            int64_t hi = k + (int64_t)rng_below(&r, 300);
            int64_t n = bskip_scan(map, k, hi, keys, vals, SCAN_CAP);
            CHECK(n >= 0 && n <= SCAN_CAP, "scan count");
            for (int64_t i = 0; i < n; i++) {
                CHECK(keys[i] >= k && keys[i] < hi && (i == 0 || keys[i - 1] < keys[i]), "scan shape");
                CHECK(value_ok(keys[i], vals[i]), "scan value invented");
            }
        }
    }
    return NULL;
}

static void phase_disjoint(int t, size_t node_bytes) {
    bskip_options o = {.node_bytes = node_bytes};
    CHECK(bskip_new(&map, &o) == BSKIP_OK, "new");
    nthreads = t;
    static worker ws[MAXT];
    pthread_t th[MAXT];
    for (int i = 0; i < t; i++) {
        memset(&ws[i], 0, sizeof ws[i]);
        ws[i].id = i;
        CHECK(pthread_create(&th[i], NULL, disjoint_worker, &ws[i]) == 0, "create");
    }
    for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
    CHECK_VALID(map);
    size_t want = 0;
    for (int64_t k = 0; k < RANGE; k++) {
        worker *w = &ws[k % t];
        int64_t v;
        int rc = bskip_get(map, k, &v);
        if (w->mine[k]) {
            want++;
            CHECK(rc == BSKIP_OK && v == w->val[k], "lost key %" PRId64, k);
        } else {
            CHECK(rc == BSKIP_NOT_FOUND, "invented key %" PRId64, k);
        }
    }
    CHECK(bskip_len(map) == want, "len %zu want %zu", bskip_len(map), want);
    printf("disjoint: %d threads x %ld ops, node %zu B: %zu keys at the end, ok\n", t, ops_per_thread, node_bytes, want);
    bskip_free(map);
}

static void phase_overlap(int t, size_t node_bytes) {
    bskip_options o = {.node_bytes = node_bytes};
    CHECK(bskip_new(&map, &o) == BSKIP_OK, "new");
    memset(insert_count, 0, sizeof insert_count);
    memset(delete_count, 0, sizeof delete_count);
    pthread_t th[MAXT];
    int ids[MAXT];
    for (int i = 0; i < t; i++) {
        ids[i] = i;
        CHECK(pthread_create(&th[i], NULL, overlap_worker, &ids[i]) == 0, "create");
    }
    for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
    CHECK_VALID(map);
    size_t present = 0;
    for (int64_t k = 0; k < 512; k++) {
        long net = 0;
        for (int i = 0; i < t; i++) net += insert_count[i][k] - delete_count[i][k];
        int64_t v;
        int rc = bskip_get(map, k, &v);
        CHECK(net == (rc == BSKIP_OK ? 1 : 0), "key %" PRId64 ": inserts - deletes = %ld but present = %d", k, net, rc == BSKIP_OK);
        if (rc == BSKIP_OK) { present++; CHECK(value_ok(k, v), "final value invented"); }
    }
    CHECK(bskip_len(map) == present, "len %zu want %zu", bskip_len(map), present);
    printf("overlapping: %d threads x %ld ops, node %zu B: %zu keys at the end, ok\n", t, ops_per_thread, node_bytes, present);
    bskip_free(map);
}

int main(void) {
    ops_per_thread = 200000 / test_scale();
    phase_disjoint(4, 256);
    phase_disjoint(8, 256);
    phase_disjoint(4, 0);
    phase_overlap(4, 256);
    phase_overlap(8, 256);
    phase_overlap(4, 0);
    puts("test_stress: ok");
    return 0;
}
