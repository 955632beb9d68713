// workload.h — YCSB-like key streams shared by every map in the benchmark driver (and, through
// the dump file, by the Java harness), so that each peer runs exactly the same operations.
//
// Invariants:
//   (1) Keys are key_of(rank): a bijective 64-bit mix of a rank, so ranks 0..n-1 name n distinct
//       int64 keys spread over the whole int64 range (negatives included), in random key order.
//   (2) The loaded set is ranks [0, n); "fresh" keys (insert-heavy workload) use ranks >= n, so
//       they are never already present at load time.
//   (3) Zipfian ranks follow YCSB's ZipfianGenerator (theta 0.99); because key_of scrambles the
//       rank, hot keys are scattered over the key space (YCSB's "scrambled zipfian").
//   (4) Streams depend only on (seed, n, dist, threads, workload, ops): same inputs, same bytes.
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum Op : uint8_t { OP_GET = 0, OP_PUT = 1, OP_DEL = 2, OP_SCAN = 3 };

enum Workload { W_LOAD, W_READ, W_UPDATE95, W_UPDATE50, W_SCAN, W_INSDEL, W_COUNT };

const char *workload_name(int w);
int workload_from_name(const std::string &s);  // -1 when unknown

// splitmix64's finaliser: a bijection on 64-bit words, so distinct ranks give distinct keys.
inline int64_t key_of(uint64_t rank) {
    uint64_t z = rank + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (int64_t)(z ^ (z >> 31));
}

// One thread's operations for one workload: op[i] applied to key[i].
struct Stream {
    std::vector<uint8_t> op;
    std::vector<int64_t> key;
};

struct StreamSpec {
    uint64_t seed = 42;
    uint64_t n = 1000000;   // keys loaded
    bool zipf = false;      // rank distribution of the non-load workloads
    int threads = 1;
    uint64_t ops = 1000000; // total operations of a non-load workload, split over threads
};

// The streams of workload w, one per thread. W_LOAD gives each thread its share of ranks [0, n).
std::vector<Stream> make_streams(const StreamSpec &spec, int w);

// Writes every workload's streams to path (format in workload.cc); returns false on I/O error.
bool dump_streams(const StreamSpec &spec, const std::string &path);

}  // namespace bench
#endif
