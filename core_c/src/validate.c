/* validate.c — bskip_validate: checks invariants (1)-(6) of internal.h on a quiescent map.
 *
 * It takes no locks (REQUIRES: no operation in flight), allocates nothing and runs in
 * O(nodes + keys). For each level it walks the list once; for each level above 0 it walks the
 * level below in tandem, checking that every key's down pointer names, in order, a node of that
 * level that the key heads.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* before any include: pthreads (internal.h) */
#endif
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static int fail(char *msg, size_t msg_len, const char *fmt, ...) {
    if (msg != NULL && msg_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return BSKIP_ECORRUPT;
}

static int check_level(bskip *m, int lvl, size_t *keys_out, char *msg, size_t msg_len) {
    node *head = m->heads[lvl];
    bool have_prev = false;
    int64_t prev = 0;
    size_t keys = 0;
    node *below = lvl > 0 ? m->heads[lvl - 1] : NULL; /* tandem cursor on level lvl-1 */
    for (node *x = head; x != NULL; x = x->next) {
        if (x->level != lvl) return fail(msg, msg_len, "level %d: node %" PRIu64 " says level %d", lvl, x->id, x->level);
        if (x != head && x->is_head) return fail(msg, msg_len, "level %d: head flag inside the list", lvl);
        if (x->n > m->cap) return fail(msg, msg_len, "level %d: node %" PRIu64 " has %u > cap keys", lvl, x->id, x->n);
        if (x != head && x->n == 0) return fail(msg, msg_len, "level %d: empty non-head node %" PRIu64, lvl, x->id);
        if (x->next != NULL && (x->next->n == 0 || x->high != node_keys(x->next)[0]))
            return fail(msg, msg_len, "level %d: node %" PRIu64 " fence %" PRId64 " != successor's first key", lvl, x->id, x->high);
        for (uint32_t i = 0; i < x->n; i++) {
            int64_t k = node_keys(x)[i];
            if (have_prev && k <= prev)
                return fail(msg, msg_len, "level %d: keys not ascending (%" PRId64 " after %" PRId64 ")", lvl, k, prev);
            have_prev = true;
            prev = k;
            keys++;
            if (lvl == 0) continue;
            node *child = node_slots(m, x)[i].child;
            while (below != NULL && below != child) below = below->next;
            if (below == NULL || child->n == 0 || node_keys(child)[0] != k)
                return fail(msg, msg_len, "level %d: key %" PRId64 " does not head the node its down pointer names", lvl, k);
            if (!child->headed)
                return fail(msg, msg_len, "level %d: node %" PRIu64 " has a parent entry but its headed flag is clear", lvl - 1, child->id);
        }
    }
    if (lvl > 0 && head->head_down != m->heads[lvl - 1])
        return fail(msg, msg_len, "level %d: head's down pointer is not the head below", lvl);
    *keys_out = keys;
    return BSKIP_OK;
}

int bskip_validate(bskip *m, char *msg, size_t msg_len) {
    if (m == NULL) return BSKIP_EINVAL;
    int top = atomic_load_explicit(&m->top, memory_order_relaxed);
    size_t level0 = 0;
    for (int lvl = 0; lvl < BSKIP_MAX_LEVELS; lvl++) {
        size_t keys = 0;
        int rc = check_level(m, lvl, &keys, msg, msg_len);
        if (rc != BSKIP_OK) return rc;
        if (lvl == 0) level0 = keys;
        if (lvl > top && keys > 0)
            return fail(msg, msg_len, "level %d above the top level %d holds keys", lvl, top);
    }
    size_t len = atomic_load_explicit(&m->len, memory_order_relaxed);
    if (len != level0)
        return fail(msg, msg_len, "len %zu != %zu keys on level 0", len, level0);
    if (msg != NULL && msg_len > 0) msg[0] = '\0';
    return BSKIP_OK;
}
