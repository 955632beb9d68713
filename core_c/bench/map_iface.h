// map_iface.h — the one interface every benchmarked map implements (pybskip's core, oneTBB
// concurrent_map, libcds SkipListMap, the lock-based classic skiplist, the static sorted array).
//
// Invariants: every method except bulk_load may be called from any number of threads at once,
// unless supports() said no for that workload and thread count (the driver then skips it and
// records the reason). thread_enter/thread_exit bracket each worker thread (libcds needs its
// threads attached to its garbage collector). A virtual call costs a few ns, the same for all.
#ifndef BENCH_MAP_IFACE_H
#define BENCH_MAP_IFACE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bench {

struct MapOptions {
    size_t node_bytes = 0;     // pybskip only; 0 = library default
    double promote_prob = 0;   // pybskip only; 0 = library default
    double promote_per_cap = 0; // pybskip only; > 0: promote_prob = this / node capacity
    uint64_t seed = 0;
};

class BenchMap {
public:
    virtual ~BenchMap() = default;
    // nullptr when the workload runs; otherwise a static reason it cannot run here.
    virtual const char *unsupported(int workload, int threads) const = 0;
    virtual void put(int64_t k, int64_t v) = 0;
    virtual bool get(int64_t k, int64_t *v) = 0;
    virtual bool del(int64_t k) = 0;
    // Up to n pairs with key >= lo, ascending; returns how many (sum of keys into *acc).
    virtual size_t scan(int64_t lo, size_t n, int64_t *acc) = 0;
    // Load phase when puts are not the way in (sorted array): all keys at once, one thread.
    // bulk_only() says the map is loaded that way and never by puts.
    virtual bool bulk_only() const { return false; }
    virtual void bulk_load(const std::vector<int64_t> &) {}
    virtual void thread_enter() {}
    virtual void thread_exit() {}
    virtual size_t memory_bytes() { return 0; }  // the structure's own accounting, 0 = none
};

// Factories; each returns nullptr (with *why set) when that peer was not compiled in.
std::unique_ptr<BenchMap> make_bskip_map(const MapOptions &o, std::string *why);
std::unique_ptr<BenchMap> make_tbb_map(const MapOptions &o, std::string *why);
std::unique_ptr<BenchMap> make_cds_map(const MapOptions &o, std::string *why);
std::unique_ptr<BenchMap> make_lockskip_map(const MapOptions &o, std::string *why);
std::unique_ptr<BenchMap> make_sorted_map(const MapOptions &o, std::string *why);

}  // namespace bench
#endif
