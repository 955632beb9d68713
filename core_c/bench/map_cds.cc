// map_cds.cc — the libcds cds::container::SkipListMap adapter over the hazard-pointer GC
// (Debian libcds-dev 2.3.3: headers in /usr/include/cds, libcds.so, linked with -lcds). Compiled
// only with -DHAVE_CDS (the Makefile sets it when the header exists).
// Setup the library requires: cds::Initialize() once, one cds::gc::HP object sized for the skip
// list's guards (2 * max height + 3 hazard pointers per thread), and every thread that touches
// the map attached to the GC (thread_enter/thread_exit). The main thread is attached here.
// Limit of the peer, recorded rather than hidden: SkipListMap has no lower_bound/seek (iteration
// starts only at begin()), so the short-scan workload cannot run on it.
#include "map_iface.h"

#ifdef HAVE_CDS
#include <cds/container/skip_list_map_hp.h>
#include <cds/gc/hp.h>
#include <cds/init.h>

#include <functional>

namespace bench {
namespace {

struct Traits : public cds::container::skip_list::make_traits<
                    cds::opt::less<std::less<int64_t>>,
                    cds::opt::item_counter<cds::atomicity::item_counter>>::type {};
using CdsMap = cds::container::SkipListMap<cds::gc::HP, int64_t, int64_t, Traits>;

struct CdsRuntime {  // process-wide: the library and its GC live as long as the process
    CdsRuntime() { cds::Initialize(); }
};

class CdsSkipList : public BenchMap {
public:
    CdsSkipList() {
        static CdsRuntime rt;
        static cds::gc::HP hp(CdsMap::c_nHazardPtrCount + 4, 16);
        (void)rt;
        (void)hp;
        cds::threading::Manager::attachThread();  // the main thread loads and frees the map
        m_.reset(new CdsMap());
    }
    ~CdsSkipList() override { m_.reset(); }
    const char *unsupported(int w, int) const override {
        return w == 4 ? "SkipListMap has no lower_bound/seek (iteration starts at begin())" : nullptr;
    }
    void put(int64_t k, int64_t v) override {
        m_->update(k, [v](bool, CdsMap::value_type &item) { item.second = v; }, true);
    }
    bool get(int64_t k, int64_t *v) override {
        return m_->find(k, [v](CdsMap::value_type &item) { *v = item.second; });
    }
    bool del(int64_t k) override { return m_->erase(k); }
    size_t scan(int64_t, size_t, int64_t *) override { return 0; }
    void thread_enter() override { cds::threading::Manager::attachThread(); }
    void thread_exit() override { cds::threading::Manager::detachThread(); }

private:
    std::unique_ptr<CdsMap> m_;
};

}  // namespace

std::unique_ptr<BenchMap> make_cds_map(const MapOptions &, std::string *) {
    return std::unique_ptr<BenchMap>(new CdsSkipList());
}

}  // namespace bench
#else
namespace bench {
std::unique_ptr<BenchMap> make_cds_map(const MapOptions &, std::string *why) {
    *why = "not built: cds/container/skip_list_map_hp.h not found (apt-get install libcds-dev)";
    return nullptr;
}
}  // namespace bench
#endif
