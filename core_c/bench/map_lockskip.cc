// map_lockskip.cc — the classic baseline: Pugh's skiplist with one element per node (p = 1/4,
// at most 32 levels, as Pugh recommends), made thread-safe by one reader-writer lock over the
// whole list (readers share it, writers exclude everyone). It is what a careful programmer writes
// in an afternoon; it shows what the B-skiplist's node layout and per-node locks buy.
// Invariants: every level is a sorted singly linked list from head_; a node of height h is on
// levels 0..h-1; all fields are guarded by lock_. Nodes are freed only under the write lock.
#include <pthread.h>

#include <cstdlib>

#include "map_iface.h"

namespace bench {
namespace {

constexpr int kMaxLevel = 32;

struct Node {
    int64_t key, value;
    int height;
    Node *next[1];  // really next[height]; allocated with room for `height` pointers
};

Node *new_node(int64_t k, int64_t v, int h) {
    Node *n = (Node *)std::malloc(sizeof(Node) + sizeof(Node *) * (size_t)(h - 1));
    if (!n) std::abort();  // benchmark only: out of memory ends the run
    n->key = k;
    n->value = v;
    n->height = h;
    for (int i = 0; i < h; i++) n->next[i] = nullptr;
    return n;
}

class LockSkip : public BenchMap {
public:
    LockSkip() : head_(new_node(0, 0, kMaxLevel)) { pthread_rwlock_init(&lock_, nullptr); }
    ~LockSkip() override {
        for (Node *n = head_; n;) {
            Node *nx = n->next[0];
            std::free(n);
            n = nx;
        }
        pthread_rwlock_destroy(&lock_);
    }
    const char *unsupported(int, int) const override { return nullptr; }

    void put(int64_t k, int64_t v) override {
        Node *pred[kMaxLevel];
        int h = random_height();
        pthread_rwlock_wrlock(&lock_);
        Node *x = find_preds(k, pred);
        if (x && x->key == k) {
            x->value = v;
        } else {
            if (h > level_) level_ = h;
            Node *n = new_node(k, v, h);
            for (int i = 0; i < h; i++) {
                n->next[i] = pred[i]->next[i];
                pred[i]->next[i] = n;
            }
            bytes_ += sizeof(Node) + sizeof(Node *) * (size_t)(h - 1);
        }
        pthread_rwlock_unlock(&lock_);
    }
    bool get(int64_t k, int64_t *v) override {
        pthread_rwlock_rdlock(&lock_);
        Node *x = find_ge(k);
        bool found = x && x->key == k;
        if (found) *v = x->value;
        pthread_rwlock_unlock(&lock_);
        return found;
    }
    bool del(int64_t k) override {
        Node *pred[kMaxLevel];
        pthread_rwlock_wrlock(&lock_);
        Node *x = find_preds(k, pred);
        bool found = x && x->key == k;
        if (found) {
            for (int i = 0; i < x->height; i++) pred[i]->next[i] = x->next[i];
            bytes_ -= sizeof(Node) + sizeof(Node *) * (size_t)(x->height - 1);
            std::free(x);
        }
        pthread_rwlock_unlock(&lock_);
        return found;
    }
    size_t scan(int64_t lo, size_t n, int64_t *acc) override {
        pthread_rwlock_rdlock(&lock_);
        size_t c = 0;
        for (Node *x = find_ge(lo); x && c < n; x = x->next[0], c++) *acc += x->key + x->value;
        pthread_rwlock_unlock(&lock_);
        return c;
    }
    size_t memory_bytes() override { return bytes_; }

private:
    static int random_height() {
        thread_local uint64_t s = 0x2545F4914F6CDD1Dull ^ (uint64_t)(uintptr_t)&s;
        int h = 1;
        for (;;) {  // xorshift64; two bits per level = p 1/4
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            uint64_t r = s;
            for (int i = 0; i < 32 && h < kMaxLevel; i++, r >>= 2) {
                if (r & 3) return h;
                h++;
            }
            if (h >= kMaxLevel) return kMaxLevel;
        }
    }
    // The first node with key >= k (nullptr if none), filling pred[i] at each level. REQUIRES lock_.
    Node *find_preds(int64_t k, Node **pred) {
        Node *x = head_;
        for (int i = kMaxLevel - 1; i >= level_; i--) pred[i] = head_;
        for (int i = level_ - 1; i >= 0; i--) {
            while (x->next[i] && x->next[i]->key < k) x = x->next[i];
            pred[i] = x;
        }
        return x->next[0];
    }
    Node *find_ge(int64_t k) {  // REQUIRES lock_ (read or write)
        Node *x = head_;
        for (int i = level_ - 1; i >= 0; i--)
            while (x->next[i] && x->next[i]->key < k) x = x->next[i];
        return x->next[0];
    }

    pthread_rwlock_t lock_;
    Node *head_;
    int level_ = 1;  // levels in use; guarded by lock_
    size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<BenchMap> make_lockskip_map(const MapOptions &, std::string *) {
    return std::unique_ptr<BenchMap>(new LockSkip());
}

}  // namespace bench
