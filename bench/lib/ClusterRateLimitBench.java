import io.portcullis.api.service.RateLimiter;
import io.portcullis.runtime.cluster.BucketRateLimiter;
import io.portcullis.runtime.cluster.ClusterMember;
import io.portcullis.runtime.config.GatewayConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The cost of one cluster-wide rate-limit check (RateLimiter.tryConsume), on a node alone and from one node of a
 * three-node cluster on loopback, split by whether the bucket's owner is this node or another (a network round trip).
 * Run by bench/cluster-ratelimit.sh against a built distribution's lib/.
 */
public class ClusterRateLimitBench {

    static final int KEYS = 1_000;
    static final RateLimiter.Limit LIMIT = new RateLimiter.Limit(1_000_000_000L, Duration.ofMinutes(1));

    public static void main(String[] args) throws Exception {
        int checks = Integer.parseInt(args.length > 0 ? args[0] : "20000");
        int threads = Integer.parseInt(args.length > 1 ? args[1] : "8");

        List<ClusterMember> single = start(1);
        List<ClusterMember> three = start(3);
        try {
            Result alone = measure(single.get(0), checks, threads, "single node");
            Result clustered = measure(three.get(0), checks, threads, "3-node cluster");
            System.out.printf("%nratio (3-node mean latency / single-node mean latency): %.2f%n",
                    clustered.all.mean() / alone.all.mean());
            System.out.printf("ratio (3-node throughput / single-node throughput, %d threads): %.2f%n",
                    threads, clustered.perSecond / alone.perSecond);
        } finally {
            three.forEach(ClusterMember::close);
            single.forEach(ClusterMember::close);
        }
    }

    static List<ClusterMember> start(int count) {
        String name = "bench-" + UUID.randomUUID();
        List<ClusterMember> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add(ClusterMember.start(new GatewayConfig.ClusterConfig(name, "127.0.0.1", 0,
                    members.stream().map(ClusterMember::address).toList(), 5)));
        }
        while (members.get(0).members().size() != count) {
            Thread.onSpinWait();
        }
        return members;
    }

    record Stats(double mean, double p50, double p99) {
        static Stats of(long[] nanos, int n) {
            if (n == 0) {
                return new Stats(Double.NaN, Double.NaN, Double.NaN);
            }
            long[] sorted = Arrays.copyOf(nanos, n);
            Arrays.sort(sorted);
            return new Stats(Arrays.stream(sorted).average().orElse(0) / 1000.0, sorted[n / 2] / 1000.0,
                    sorted[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)] / 1000.0);
        }
    }

    record Result(Stats all, Stats local, Stats remote, double perSecond) {
    }

    static Result measure(ClusterMember member, int checks, int threads, String label) throws Exception {
        RateLimiter limiter = new BucketRateLimiter(member.hazelcast());
        String prefix = "bench:" + UUID.randomUUID() + ":";
        // Warm-up: every bucket created, the JIT done.
        for (int i = 0; i < Math.max(checks, 5 * KEYS); i++) {
            limiter.tryConsume(prefix + (i % KEYS), 1, LIMIT);
        }
        long[] all = new long[checks];
        long[] local = new long[checks];
        long[] remote = new long[checks];
        int nLocal = 0;
        int nRemote = 0;
        for (int i = 0; i < checks; i++) {
            String key = prefix + (i % KEYS);
            long start = System.nanoTime();
            limiter.tryConsume(key, 1, LIMIT);
            long took = System.nanoTime() - start;
            all[i] = took;
            // The bucket's map key, as BucketRateLimiter names it: the key, its capacity and its period.
            String bucket = key + "@" + LIMIT.capacity() + "/" + LIMIT.period().toMillis() + "ms";
            if (member.hazelcast().getPartitionService().getPartition(bucket).getOwner().localMember()) {
                local[nLocal++] = took;
            } else {
                remote[nRemote++] = took;
            }
        }
        Stats allStats = Stats.of(all, checks);

        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < checks / threads; i++) {
                        limiter.tryConsume(prefix + ((i * threads + offset) % KEYS), 1, LIMIT);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        double perSecond = (checks / threads * threads) / ((System.nanoTime() - started) / 1e9);

        Result result = new Result(allStats, Stats.of(local, nLocal), Stats.of(remote, nRemote), perSecond);
        System.out.printf("%-15s one thread: mean %.1f us, p50 %.1f us, p99 %.1f us | owner here (%d): mean %.1f us"
                        + " | owner elsewhere (%d): mean %.1f us, p50 %.1f us | %d threads: %.0f checks/s%n",
                label, allStats.mean(), allStats.p50(), allStats.p99(), nLocal, result.local().mean(), nRemote,
                result.remote().mean(), result.remote().p50(), threads, perSecond);
        return result;
    }
}
