/* rbias.h — reader-biased locking for read-mostly nodes: a reader announces itself in a slot of
 * its own thread instead of writing the shared lock word.
 *
 * Why. Every operation read-locks the few nodes of the upper levels (the top head first). With
 * the word lock alone each of those read locks is an atomic RMW on a cache line every core
 * writes, so the line moves between cores on every operation: on 2 cores, 10^6 keys, gets alone
 * scaled 1.4x from 1 to 2 threads, and 1.9x with the upper-level read locks (unsafely) removed
 * (bench/README.md). The scheme is BRAVO's (Dice & Kogan, "BRAVO — Biased Locking for
 * Reader-Writer Locks", USENIX ATC 2019) with one simplification: the bias is never revoked,
 * because only nodes that are rarely written use it (lock.h: the levels above 0), so a writer
 * simply checks the slots every time.
 *
 * The table. Each registered thread owns one row of RB_SLOTS slots (one cache line: no other
 * thread writes it, so a reader's announce and withdraw never move a line between cores). A reader
 * of lock l uses only slot rb_slot_of(l) of its row; a slot holds the lock it announces or NULL.
 * A thread gets a row at its first biased lock and gives it back when it exits (rbias.c); beyond
 * RB_ROWS live threads, or when its slot for l is taken by another lock it holds, a reader uses
 * the word lock as before — slower, never wrong.
 *
 * Correctness (the lock keeps rwlock.h's (a)-(e); which of a reader's two paths it took is known
 * at unlock because only this thread writes its row: its slot names l iff it entered l fast):
 *   fast read lock:  store slot := l (seq_cst); load word (seq_cst); enter iff no writer holds or
 *                    waits (W and WW clear, rwlock.h (b)); otherwise withdraw (slot := NULL) and
 *                    take the word lock's read path.
 *   write lock:      the word lock's write path (registering WW, then W), then a seq_cst fence,
 *                    then for every row wait until its slot for l no longer names l.
 * (a) A fast reader and a writer are Dekker's pair: each writes (slot; WW or W) then reads the
 *     other's location, with seq_cst between. So either the reader sees WW/W and withdraws, or
 *     the writer sees the slot and waits until it is withdrawn at the reader's unlock. A writer
 *     and word-lock readers/writers are rwlock.h's own (a).
 * (b) A reader that asks after a writer registered sees WW (or W) in the word and takes the word
 *     path, where it waits behind the writer; the fairness bound of rwlock.h is unchanged.
 * (c) unchanged: no upgrade, no recursion (a thread holding l never asks for l, so its slot for l
 *     is free or names another lock when it asks).
 * (d) A fast unlock does not touch the node at all: its last access is the release store into the
 *     thread's own slot, after which a writer may proceed and free the node.
 * (e) W to fast R: the reader's seq_cst load of the word reads the writer's release (or a later
 *     RMW of its release sequence): synchronises-with. Fast R to W: the reader's release store of
 *     NULL is read by the writer's acquire load of the slot. So everything a holder did before
 *     its release happens-before what the next holder does.
 * Progress: a writer waiting for a fast reader waits for a thread that holds l R, exactly as it
 * waits for word-lock readers (the same wait-for edge the spec models); it spins, then yields.
 */
#ifndef BSKIP_RBIAS_H
#define BSKIP_RBIAS_H

#include "rwlock.h"

enum { RB_SLOTS = 8, RB_ROWS = 256 };

typedef struct rb_row {
    _Alignas(64) _Atomic(const bskip_rwlock *) slot[RB_SLOTS];
} rb_row;

extern rb_row bskip__rb_table[RB_ROWS];

/* This thread's row; NULL until its first biased lock. A thread that found no free row gets
 * rbias.c's `none` row instead, whose slots permanently name a lock no reader asks for, so both
 * fast paths below fail without a test of their own. */
extern _Thread_local rb_row *bskip__rb_mine;
rb_row *bskip__rb_register(void);

static inline rb_row *rb_my_row(void) {
    rb_row *r = bskip__rb_mine;
    return r != NULL ? r : bskip__rb_register();
}
/* The write path's second half: waits until no row's slot for l names l. */
void bskip__rb_await_readers(const bskip_rwlock *l);

/* The slot a reader of l uses in its row: a multiplicative hash of the address (nodes are 64-byte
 * aligned and often 2048 bytes apart, so the low bits alone would all coincide). */
static inline unsigned rb_slot_of(const bskip_rwlock *l) {
    return (unsigned)(((uintptr_t)l * 0x9E3779B97F4A7C15ull) >> 61) & (RB_SLOTS - 1);
}

static inline void rwlock_rdlock_biased(bskip_rwlock *l) {
    _Atomic(const bskip_rwlock *) *slot = &rb_my_row()->slot[rb_slot_of(l)];
    if (atomic_load_explicit(slot, memory_order_relaxed) == NULL) {
        atomic_store_explicit(slot, l, memory_order_seq_cst); /* announce: (a) */
        uint32_t s = atomic_load_explicit(&l->word, memory_order_seq_cst);
        if ((s & (RWL_W | RWL_WW_MASK)) == 0) return; /* (a), (b): no writer holds or waits */
        atomic_store_explicit(slot, NULL, memory_order_relaxed); /* withdraw: never entered */
    }
    rwlock_rdlock(l);
}

static inline void rwlock_rdunlock_biased(bskip_rwlock *l) {
    _Atomic(const bskip_rwlock *) *slot = &rb_my_row()->slot[rb_slot_of(l)];
    if (atomic_load_explicit(slot, memory_order_relaxed) == l) { /* entered fast: (c) */
        atomic_store_explicit(slot, NULL, memory_order_release); /* (d), (e) */
        return;
    }
    rwlock_rdunlock(l);
}

static inline void rwlock_wrlock_biased(bskip_rwlock *l) {
    rwlock_wrlock(l);
    bskip__rb_await_readers(l);
}

#endif /* BSKIP_RBIAS_H */
