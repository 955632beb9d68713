/* test_api_only.c — a program written against bskip.h alone, as an outside user would write it.
 *
 * It includes nothing of the project but <bskip.h>, uses only the documented names, links the
 * static library, and runs a 4-thread random workload: each thread inserts, overwrites and deletes
 * keys of its own residue class and remembers what it left; at the end every remembered key must
 * be there with its value, nothing else may be, len must match and bskip_validate must be clean.
 */
#include <bskip.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define KEYS 20000

static bskip *map;
static int64_t last_value[KEYS]; /* 0 = absent; each key is written by one thread only */

static void *work(void *arg) {
    int id = (int)(intptr_t)arg;
    unsigned seed = 1234u + (unsigned)id;
    for (int i = 0; i < 100000; i++) {
        int64_t k = (int64_t)(rand_r(&seed) % (KEYS / THREADS)) * THREADS + id;
        if (rand_r(&seed) % 3 == 0) {
            if (bskip_delete(map, k, NULL) == BSKIP_OK) last_value[k] = 0;
        } else {
            int64_t v = (int64_t)rand_r(&seed) + 1;
            if (bskip_put(map, k, v, NULL) < 0) return (void *)1;
            last_value[k] = v;
        }
    }
    return NULL;
}

int main(void) {
    if (bskip_new(&map, NULL) != BSKIP_OK) return 1;
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, (void *)i);
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        failed |= r != NULL;
    }
    size_t expected = 0;
    for (int64_t k = 0; k < KEYS; k++) {
        int64_t v = 0;
        int rc = bskip_get(map, k, &v);
        if (last_value[k] != 0) {
            expected++;
            if (rc != BSKIP_OK || v != last_value[k]) { printf("lost key %lld\n", (long long)k); failed = 1; }
        } else if (rc != BSKIP_NOT_FOUND) {
            printf("invented key %lld\n", (long long)k);
            failed = 1;
        }
    }
    char msg[200];
    if (bskip_validate(map, msg, sizeof msg) != BSKIP_OK) { printf("validate: %s\n", msg); failed = 1; }
    if (bskip_len(map) != expected) { printf("len %zu != %zu\n", bskip_len(map), expected); failed = 1; }
    bskip_free(map);
    printf("test_api_only: %s (%zu keys)\n", failed ? "FAILED" : "ok", expected);
    return failed;
}
