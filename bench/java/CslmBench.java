// CslmBench.java — the Java peer: runs java.util.concurrent.ConcurrentSkipListMap on exactly the
// operation streams the C driver generated (core_c/bench: `bskip_bench --dump FILE ...`), and
// prints one JSON object per workload in the C driver's format (map "java_cslm").
//
//   java -Xms4g -cp bench/java/build CslmBench FILE N DIST THREADS [WARMUP_ROUNDS]
//
// Invariants:
//   (1) Streams come from the dump file (format in core_c/bench/workload.cc), so keys, ops and
//       their order are byte-identical to the C peers'.
//   (2) JIT warm-up: before the measured run, WARMUP_ROUNDS (default 2) rounds apply every
//       workload's first 200k operations to a throw-away map of the first 200k loaded keys, so
//       put/get/remove/tailMap are compiled by C2 before the clock starts.
//   (3) Timing, barrier start and 1-in-16 latency sampling follow the C driver (driver.cc).
//   (4) Memory: rss_bytes_per_key is the process RSS growth over the load / n; mem_bytes_per_key
//       is the heap growth (used heap after System.gc(), before vs after) / n.
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

public final class CslmBench {
    static final String[] NAMES = {"load", "read", "update95", "update50", "scan100", "insdel"};
    static final int OP_GET = 0, OP_PUT = 1, OP_DEL = 2;
    static volatile long sink;

    static final class Stream {
        long[] keys;
        byte[] ops;
    }

    static List<List<Stream>> read(String file, int threads) throws IOException {
        List<List<Stream>> all = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            ByteBuffer b = mb.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[8];
            b.get(magic);
            if (!new String(magic).equals("BSKSTRM1")) throw new IOException("bad magic in " + file);
            b.getLong();
            if (b.getLong() != threads) throw new IOException("thread count differs from dump");
            for (int w = 0; w < NAMES.length; w++) {
                List<Stream> per = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int c = (int) b.getLong();
                    Stream s = new Stream();
                    s.keys = new long[c];
                    b.asLongBuffer().get(s.keys);
                    b.position(b.position() + 8 * c);
                    s.ops = new byte[c];
                    b.get(s.ops);
                    b.position(b.position() + (8 - c % 8) % 8);
                    per.add(s);
                }
                all.add(per);
            }
        }
        return all;
    }

    static long apply(ConcurrentSkipListMap<Long, Long> m, Stream s, int limit, long[] samples,
                      int[] nsamples) {
        long hits = 0, acc = 0;
        int n = Math.min(limit, s.keys.length);
        for (int i = 0; i < n; i++) {
            boolean sample = samples != null && (i & 15) == 0;
            long t0 = sample ? System.nanoTime() : 0;
            long k = s.keys[i];
            switch (s.ops[i]) {
                case OP_GET: {
                    Long v = m.get(k);
                    if (v != null) { hits++; acc += v; }
                    break;
                }
                case OP_PUT: m.put(k, k + 1); break;
                case OP_DEL: if (m.remove(k) != null) hits++; break;
                default: {
                    int c = 0;
                    for (Map.Entry<Long, Long> e : m.tailMap(k, true).entrySet()) {
                        acc += e.getKey() + e.getValue();
                        if (++c == 100) break;
                    }
                    if (c > 0) hits++;
                }
            }
            if (sample) samples[nsamples[0]++] = System.nanoTime() - t0;
        }
        sink += acc;
        return hits;
    }

    static long rss() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long heapUsed() {
        for (int i = 0; i < 3; i++) System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    static long pct(long[] v, int n, double q) {
        if (n == 0) return 0;
        int i = (int) Math.min(n - 1, Math.round(q * (n - 1)));
        return v[i];
    }

    static String run(ConcurrentSkipListMap<Long, Long> m, List<Stream> streams, String head,
                      String extra) throws InterruptedException {
        int T = streams.size();
        long[][] samples = new long[T][];
        int[][] ns = new int[T][1];
        long[] ends = new long[T];
        AtomicLong hits = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(T), go = new CountDownLatch(1);
        Thread[] th = new Thread[T];
        long ops = 0;
        for (int t = 0; t < T; t++) {
            final int tt = t;
            Stream s = streams.get(t);
            ops += s.keys.length;
            samples[t] = new long[s.keys.length / 16 + 1];
            th[t] = new Thread(() -> {
                ready.countDown();
                try { go.await(); } catch (InterruptedException e) { return; }
                hits.addAndGet(apply(m, s, Integer.MAX_VALUE, samples[tt], ns[tt]));
                ends[tt] = System.nanoTime();
            });
            th[t].start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        long end = 0;
        for (int t = 0; t < T; t++) { th[t].join(); end = Math.max(end, ends[t]); }
        int total = 0;
        for (int[] x : ns) total += x[0];
        long[] all = new long[total];
        int p = 0;
        for (int t = 0; t < T; t++) { System.arraycopy(samples[t], 0, all, p, ns[t][0]); p += ns[t][0]; }
        Arrays.sort(all);
        double secs = (end - start) / 1e9;
        return String.format("%s, \"ops\": %d, \"hits\": %d, \"secs\": %.6f, \"mops\": %.4f, "
                + "\"p50_ns\": %d, \"p99_ns\": %d, \"p999_ns\": %d%s}", head, ops, hits.get(), secs,
                ops / secs / 1e6, pct(all, total, 0.5), pct(all, total, 0.99), pct(all, total, 0.999), extra);
    }

    public static void main(String[] a) throws Exception {
        String file = a[0];
        long n = Long.parseLong(a[1]);
        String dist = a[2];
        int threads = Integer.parseInt(a[3]);
        int rounds = a.length > 4 ? Integer.parseInt(a[4]) : 2;
        List<List<Stream>> all = read(file, threads);
        for (int r = 0; r < rounds; r++) {  // invariant (2)
            ConcurrentSkipListMap<Long, Long> w = new ConcurrentSkipListMap<>();
            apply(w, all.get(0).get(0), 200_000, null, null);
            for (int k = 1; k < NAMES.length; k++) apply(w, all.get(k).get(0), 200_000, null, null);
        }
        ConcurrentSkipListMap<Long, Long> m = new ConcurrentSkipListMap<>();
        for (int k = 0; k < NAMES.length; k++) {
            String head = String.format("{\"map\": \"java_cslm\", \"n\": %d, \"dist\": \"%s\", "
                    + "\"threads\": %d, \"workload\": \"%s\", \"node_bytes\": 0, \"promote_prob\": 0",
                    n, dist, threads, NAMES[k]);
            if (k == 0) {
                long h0 = heapUsed(), r0 = rss();
                String line = run(m, all.get(0), head, "");
                long h1 = heapUsed(), r1 = rss();
                String extra = String.format(", \"rss_bytes_per_key\": %.2f, \"mem_bytes_per_key\": %.2f}",
                        Math.max(0, r1 - r0) / (double) n, (h1 - h0) / (double) n);
                System.out.println(line.substring(0, line.length() - 1) + extra);
            } else {
                System.out.println(run(m, all.get(k), head, ""));
            }
        }
    }
}
