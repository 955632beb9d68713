// map_bskip.cc — the benchmark adapter for pybskip's C core (core_c/include/bskip.h).
// Scans use bskip_scan_closed(lo, INT64_MAX, cap 100): one linearizable snapshot per scan, a
// stronger guarantee than any peer's iterator gives.
#include "map_iface.h"

extern "C" {
#include "bskip.h"
}

namespace bench {
namespace {

class BskipMap : public BenchMap {
public:
    explicit BskipMap(bskip *m) : m_(m) {}
    ~BskipMap() override { bskip_free(m_); }
    const char *unsupported(int, int) const override { return nullptr; }
    void put(int64_t k, int64_t v) override { bskip_put(m_, k, v, nullptr); }
    bool get(int64_t k, int64_t *v) override { return bskip_get(m_, k, v) == BSKIP_OK; }
    bool del(int64_t k) override { return bskip_delete(m_, k, nullptr) == BSKIP_OK; }
    size_t scan(int64_t lo, size_t n, int64_t *acc) override {
        int64_t keys[128], vals[128];
        if (n > 128) n = 128;
        int64_t c = bskip_scan_closed(m_, lo, INT64_MAX, keys, vals, n);
        for (int64_t i = 0; i < c; i++) *acc += keys[i];
        return c > 0 ? (size_t)c : 0;
    }
    size_t memory_bytes() override { return bskip_memory_bytes(m_); }

private:
    bskip *m_;
};

}  // namespace

std::unique_ptr<BenchMap> make_bskip_map(const MapOptions &o, std::string *why) {
    bskip_options opts = {};
    opts.node_bytes = o.node_bytes;
    opts.promote_prob = o.promote_prob;
    opts.seed = o.seed;
    bskip *m = nullptr;
    int rc;
    if (o.promote_per_cap > 0) {  // the capacity follows from node_bytes: ask a scratch map
        if ((rc = bskip_new(&m, &opts)) == BSKIP_OK) {
            opts.promote_prob = o.promote_per_cap / (double)bskip_node_capacity(m);
            bskip_free(m);
            m = nullptr;
        }
    }
    rc = bskip_new(&m, &opts);
    if (rc != BSKIP_OK) {
        *why = std::string("bskip_new: ") + bskip_strerror(rc);
        return nullptr;
    }
    return std::unique_ptr<BenchMap>(new BskipMap(m));
}

}  // namespace bench
