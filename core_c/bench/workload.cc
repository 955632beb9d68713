// workload.cc — generates the YCSB-like streams of workload.h (uniform and scrambled zipfian ranks,
// per-workload operation mixes) and writes them to a file for the Java harness.
//
// Mixes (per operation): read = 100% get; update95 = 95% get / 5% put of an existing key;
// update50 = 50/50; scan = 100% scan of 100 keys from a key drawn like a get; insdel
// (insert-heavy with deletes) = 50% put of a fresh key / 25% delete / 25% get of loaded keys.
// A workload has `ops` operations in all, split evenly over the threads; scan100 has ops / 10.
// Dump format (little-endian): "BSKSTRM1", u64 n, u64 threads, then for each workload in enum
// order and each thread: u64 count, count x i64 keys, count x u8 ops, zero padding to 8 bytes.
#include "workload.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace bench {

static const char *const kNames[W_COUNT] = {"load", "read", "update95", "update50", "scan100",
                                            "insdel"};

const char *workload_name(int w) { return (w >= 0 && w < W_COUNT) ? kNames[w] : "?"; }

int workload_from_name(const std::string &s) {
    for (int w = 0; w < W_COUNT; w++)
        if (s == kNames[w]) return w;
    return -1;
}

namespace {

struct Rng {  // splitmix64: tiny, seedable, good enough for choosing ranks and ops
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double unit() { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// YCSB ZipfianGenerator over ranks [0, n), theta = 0.99 (Gray et al., "Quickly generating
// billion-record synthetic databases"). zeta(n) is O(n) to compute, once per stream set.
struct Zipf {
    double theta = 0.99, alpha, zetan, eta, half_pow;
    uint64_t n;
    explicit Zipf(uint64_t items) : n(items) {
        double zeta2 = 1.0 + std::pow(0.5, theta);
        zetan = 0;
        for (uint64_t i = 1; i <= n; i++) zetan += 1.0 / std::pow((double)i, theta);
        alpha = 1.0 / (1.0 - theta);
        eta = (1.0 - std::pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
        half_pow = std::pow(0.5, theta);
    }
    uint64_t next(Rng &r) const {
        double u = r.unit(), uz = u * zetan;
        if (uz < 1.0) return 0;
        if (uz < 1.0 + half_pow) return 1;
        uint64_t k = (uint64_t)((double)n * std::pow(eta * u - eta + 1.0, alpha));
        return k < n ? k : n - 1;
    }
};

}  // namespace

std::vector<Stream> make_streams(const StreamSpec &spec, int w) {
    std::vector<Stream> out((size_t)spec.threads);
    if (w == W_LOAD) {  // thread t inserts ranks t, t+T, ...: random key order by invariant (1)
        for (int t = 0; t < spec.threads; t++) {
            Stream &s = out[(size_t)t];
            for (uint64_t r = (uint64_t)t; r < spec.n; r += (uint64_t)spec.threads) {
                s.op.push_back(OP_PUT);
                s.key.push_back(key_of(r));
            }
        }
        return out;
    }
    static Zipf *zipf_cache = nullptr;  // zeta(n) is costly; reuse it across workloads
    if (spec.zipf && (!zipf_cache || zipf_cache->n != spec.n)) {
        delete zipf_cache;
        zipf_cache = new Zipf(spec.n);
    }
    uint64_t total = w == W_SCAN ? spec.ops / 10 : spec.ops;  // a scan is ~100 reads' work
    uint64_t per = total / (uint64_t)spec.threads;
    if (per == 0) per = 1;
    for (int t = 0; t < spec.threads; t++) {
        Rng rng{spec.seed * 0x100000001B3ull + (uint64_t)w * 977 + (uint64_t)t * 7919 + 1};
        Stream &s = out[(size_t)t];
        s.op.resize(per);
        s.key.resize(per);
        uint64_t fresh = spec.n + (uint64_t)t * per;  // invariant (2): disjoint per thread
        for (uint64_t i = 0; i < per; i++) {
            uint64_t rank = spec.zipf ? zipf_cache->next(rng) : rng.next() % spec.n;
            uint64_t pct = rng.next() % 100;
            uint8_t op = OP_GET;
            if (w == W_UPDATE95) op = pct < 5 ? OP_PUT : OP_GET;
            else if (w == W_UPDATE50) op = pct < 50 ? OP_PUT : OP_GET;
            else if (w == W_SCAN) op = OP_SCAN;
            else if (w == W_INSDEL) {
                if (pct < 50) { op = OP_PUT; rank = fresh++; }
                else op = pct < 75 ? OP_DEL : OP_GET;
            }
            s.op[i] = op;
            s.key[i] = key_of(rank);
        }
    }
    return out;
}

bool dump_streams(const StreamSpec &spec, const std::string &path) {
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    bool ok = std::fwrite("BSKSTRM1", 1, 8, f) == 8;
    uint64_t hdr[2] = {spec.n, (uint64_t)spec.threads};
    ok = ok && std::fwrite(hdr, sizeof hdr, 1, f) == 1;
    static const uint8_t zeros[8] = {0};
    for (int w = 0; w < W_COUNT && ok; w++) {
        for (const Stream &s : make_streams(spec, w)) {
            uint64_t c = s.key.size();
            ok = ok && std::fwrite(&c, 8, 1, f) == 1;
            ok = ok && std::fwrite(s.key.data(), 8, c, f) == c;
            ok = ok && std::fwrite(s.op.data(), 1, c, f) == c;
            size_t pad = (8 - c % 8) % 8;
            ok = ok && std::fwrite(zeros, 1, pad, f) == pad;
        }
    }
    return std::fclose(f) == 0 && ok;
}

}  // namespace bench
