// stats.h — small measurement helpers for the driver: a monotonic clock in ns, the process's
// resident set size, and percentiles of sampled latencies.
// Invariant: percentile() sorts its argument in place and returns 0 for an empty sample.
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace bench {

inline uint64_t now_ns() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// Resident set size in bytes, from /proc/self/statm (0 where unavailable).
inline uint64_t rss_bytes() {
    FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    int got = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return got == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

// The q-quantile (0..1) of v by nearest rank; v is sorted in place.
inline uint64_t percentile(std::vector<uint64_t> &v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = (size_t)(q * (double)(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace bench
#endif
