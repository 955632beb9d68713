// driver.cc — the benchmark driver: runs the YCSB-like workloads of workload.h on one map per
// process and prints one JSON object per workload on stdout (the format ci/bench.py reads).
//
//   bskip_bench --map bskip|tbb|cds|lockskip|sorted [--n N] [--dist uniform|zipf] [--threads T]
//               [--ops OPS] [--seed S] [--node-bytes B] [--promote P | --promote-per-cap X]
//               [--workloads a,b,...]      (X: promote_prob = X / keys per node)
//   bskip_bench --dump FILE [--n N] [--dist D] [--threads T] [--ops OPS] [--seed S]
//
// Invariants of a run:
//   (1) Streams are generated before the clock starts; the timed loop only applies them.
//   (2) Workloads run in order load, read, update95, update50, scan100, insdel on the same map
//       (insdel last: it is the only one that changes the key set).
//   (3) Threads start together at a barrier; throughput = total ops / (last finish - release).
//   (4) Every 16th operation is timed on its own (latency sample); the rest run untimed.
//   (5) Memory per key = RSS growth over the load / n, measured in a fresh process (one map per
//       process), plus the map's own accounting where it has one (bskip_memory_bytes).
// Exit codes: 0 ok, 1 bad arguments, 2 map not available (message on stderr, JSON "skipped").
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "map_iface.h"
#include "stats.h"
#include "workload.h"

using namespace bench;

namespace {

struct Args {
    std::string map = "bskip", dump, workloads = "load,read,update95,update50,scan100,insdel";
    StreamSpec spec;
    MapOptions mopts;
};

struct Result {
    double secs = 0;
    uint64_t ops = 0, hits = 0;
    std::vector<uint64_t> samples;
};

constexpr unsigned kSampleMask = 15;  // invariant (4)

uint64_t apply_stream(BenchMap &m, const Stream &s, std::vector<uint64_t> &samples) {
    uint64_t hits = 0;
    int64_t acc = 0, v = 0;
    size_t n = s.key.size();
    for (size_t i = 0; i < n; i++) {
        bool sample = (i & kSampleMask) == 0;
        uint64_t t0 = sample ? now_ns() : 0;
        int64_t k = s.key[i];
        switch (s.op[i]) {
        case OP_GET: hits += m.get(k, &v); acc += v; break;
        case OP_PUT: m.put(k, k + 1); break;
        case OP_DEL: hits += m.del(k); break;
        default: hits += m.scan(k, 100, &acc) > 0; break;
        }
        if (sample) samples.push_back(now_ns() - t0);
    }
    if (acc == 42) std::fputc(' ', stderr);  // keeps the reads observable
    return hits;
}

Result run(BenchMap &m, const std::vector<Stream> &streams) {
    int T = (int)streams.size();
    std::vector<Result> per((size_t)T);
    std::vector<uint64_t> ends((size_t)T);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> th;
    for (int t = 0; t < T; t++) {
        th.emplace_back([&, t] {
            m.thread_enter();
            per[(size_t)t].samples.reserve(streams[(size_t)t].key.size() / 16 + 1);
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) {
            }
            per[(size_t)t].hits = apply_stream(m, streams[(size_t)t], per[(size_t)t].samples);
            ends[(size_t)t] = now_ns();
            m.thread_exit();
        });
    }
    while (ready.load() < T) std::this_thread::yield();
    uint64_t start = now_ns();
    go.store(true, std::memory_order_release);
    for (auto &x : th) x.join();
    Result r;
    uint64_t end = 0;
    for (int t = 0; t < T; t++) {
        end = std::max(end, ends[(size_t)t]);
        r.ops += streams[(size_t)t].key.size();
        r.hits += per[(size_t)t].hits;
        r.samples.insert(r.samples.end(), per[(size_t)t].samples.begin(),
                         per[(size_t)t].samples.end());
    }
    r.secs = (double)(end - start) / 1e9;
    return r;
}

void print_head(const Args &a, const char *w) {
    std::printf("{\"map\": \"%s\", \"n\": %llu, \"dist\": \"%s\", \"threads\": %d, "
                "\"workload\": \"%s\", \"node_bytes\": %zu, \"promote_prob\": %g, \"promote_per_cap\": %g",
                a.map.c_str(), (unsigned long long)a.spec.n, a.spec.zipf ? "zipf" : "uniform",
                a.spec.threads, w, a.mopts.node_bytes, a.mopts.promote_prob, a.mopts.promote_per_cap);
}

void print_result(const Args &a, int w, Result &r, const char *extra) {
    print_head(a, workload_name(w));
    double mops = r.secs > 0 ? (double)r.ops / r.secs / 1e6 : 0;
    uint64_t p50 = percentile(r.samples, 0.50), p99 = percentile(r.samples, 0.99),
             p999 = percentile(r.samples, 0.999);
    std::printf(", \"ops\": %llu, \"hits\": %llu, \"secs\": %.6f, \"mops\": %.4f, "
                "\"p50_ns\": %llu, \"p99_ns\": %llu, \"p999_ns\": %llu%s}\n",
                (unsigned long long)r.ops, (unsigned long long)r.hits, r.secs, mops,
                (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)p999, extra);
    std::fflush(stdout);
}

void print_skip(const Args &a, const char *w, const std::string &why) {
    print_head(a, w);
    std::printf(", \"skipped\": \"%s\"}\n", why.c_str());
    std::fflush(stdout);
}

bool parse(int argc, char **argv, Args &a) {
    for (int i = 1; i < argc; i++) {
        std::string k = argv[i];
        if (i + 1 >= argc) return false;
        const char *v = argv[++i];
        if (k == "--map") a.map = v;
        else if (k == "--dump") a.dump = v;
        else if (k == "--n") a.spec.n = std::strtoull(v, nullptr, 10);
        else if (k == "--dist") a.spec.zipf = std::strcmp(v, "zipf") == 0;
        else if (k == "--threads") a.spec.threads = std::atoi(v);
        else if (k == "--ops") a.spec.ops = std::strtoull(v, nullptr, 10);
        else if (k == "--seed") a.spec.seed = std::strtoull(v, nullptr, 10);
        else if (k == "--node-bytes") a.mopts.node_bytes = std::strtoull(v, nullptr, 10);
        else if (k == "--promote") a.mopts.promote_prob = std::atof(v);
        else if (k == "--promote-per-cap") a.mopts.promote_per_cap = std::atof(v);
        else if (k == "--workloads") a.workloads = v;
        else return false;
    }
    return a.spec.n > 0 && a.spec.threads > 0 && a.spec.ops >= (uint64_t)a.spec.threads;
}

std::unique_ptr<BenchMap> make_map(const Args &a, std::string *why) {
    if (a.map == "bskip") return make_bskip_map(a.mopts, why);
    if (a.map == "tbb") return make_tbb_map(a.mopts, why);
    if (a.map == "cds") return make_cds_map(a.mopts, why);
    if (a.map == "lockskip") return make_lockskip_map(a.mopts, why);
    if (a.map == "sorted") return make_sorted_map(a.mopts, why);
    *why = "unknown map " + a.map;
    return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
    Args a;
    if (!parse(argc, argv, a)) {
        std::fprintf(stderr, "usage: see the header of core_c/bench/driver.cc\n");
        return 1;
    }
    if (!a.dump.empty()) return dump_streams(a.spec, a.dump) ? 0 : 1;
    std::vector<bool> want(W_COUNT, false);
    for (size_t p = 0; p <= a.workloads.size();) {
        size_t q = a.workloads.find(',', p);
        if (q == std::string::npos) q = a.workloads.size();
        int w = workload_from_name(a.workloads.substr(p, q - p));
        if (w < 0) {
            std::fprintf(stderr, "unknown workload %s\n", a.workloads.substr(p, q - p).c_str());
            return 1;
        }
        want[(size_t)w] = true;
        p = q + 1;
    }
    std::string why;
    std::unique_ptr<BenchMap> m = make_map(a, &why);
    if (!m) {
        print_skip(a, "all", why);
        std::fprintf(stderr, "%s\n", why.c_str());
        return 2;
    }
    // The load always runs (the other workloads need the keys); it is printed when wanted.
    {
        std::vector<Stream> load = make_streams(a.spec, W_LOAD);
        uint64_t rss0 = rss_bytes();
        Result r;
        if (!m->bulk_only()) {
            r = run(*m, load);
        } else {
            std::vector<int64_t> keys;
            for (auto &s : load) keys.insert(keys.end(), s.key.begin(), s.key.end());
            uint64_t t0 = now_ns();
            m->bulk_load(keys);
            r.secs = (double)(now_ns() - t0) / 1e9;
            r.ops = keys.size();
            rss0 += keys.size() * 8;  // the temporary key copy is not the structure
        }
        uint64_t rss1 = rss_bytes();
        char extra[160];
        double n = (double)a.spec.n;
        std::snprintf(extra, sizeof extra,
                      ", \"rss_bytes_per_key\": %.2f, \"mem_bytes_per_key\": %.2f%s",
                      rss1 > rss0 ? (double)(rss1 - rss0) / n : 0.0,
                      (double)m->memory_bytes() / n,
                      m->bulk_only() ? ", \"note\": \"bulk sort, not inserts\"" : "");
        if (want[W_LOAD]) print_result(a, W_LOAD, r, extra);
    }
    for (int w = W_LOAD + 1; w < W_COUNT; w++) {
        if (!want[(size_t)w]) continue;
        if (const char *no = m->unsupported(w, a.spec.threads)) {
            print_skip(a, workload_name(w), no);
            continue;
        }
        std::vector<Stream> s = make_streams(a.spec, w);
        Result r = run(*m, s);
        print_result(a, w, r, "");
    }
    return 0;
}
