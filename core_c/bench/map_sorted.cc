// map_sorted.cc — the read limit: a static sorted array searched by binary search (keys and
// values in two parallel arrays). It is built once by bulk_load (sort) and never modified, so it
// runs only the read-only and scan workloads; it needs no locks.
#include <algorithm>

#include "map_iface.h"

namespace bench {
namespace {

class SortedArray : public BenchMap {
public:
    const char *unsupported(int w, int) const override {
        return (w == 1 || w == 4 || w == 0) ? nullptr : "static: read-only and scans only";
    }
    bool bulk_only() const override { return true; }
    void bulk_load(const std::vector<int64_t> &keys) override {
        keys_ = keys;
        std::sort(keys_.begin(), keys_.end());
        vals_.resize(keys_.size());
        for (size_t i = 0; i < keys_.size(); i++) vals_[i] = keys_[i] + 1;
    }
    void put(int64_t, int64_t) override {}
    bool del(int64_t) override { return false; }
    bool get(int64_t k, int64_t *v) override {
        auto it = std::lower_bound(keys_.begin(), keys_.end(), k);
        if (it == keys_.end() || *it != k) return false;
        *v = vals_[(size_t)(it - keys_.begin())];
        return true;
    }
    size_t scan(int64_t lo, size_t n, int64_t *acc) override {
        size_t i = (size_t)(std::lower_bound(keys_.begin(), keys_.end(), lo) - keys_.begin());
        size_t c = 0;
        for (; i < keys_.size() && c < n; i++, c++) *acc += keys_[i] + vals_[i];
        return c;
    }
    size_t memory_bytes() override { return 16 * keys_.size(); }

private:
    std::vector<int64_t> keys_, vals_;
};

}  // namespace

std::unique_ptr<BenchMap> make_sorted_map(const MapOptions &, std::string *) {
    return std::unique_ptr<BenchMap>(new SortedArray());
}

}  // namespace bench
