package io.portcullis.runtime.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.portcullis.api.service.RateLimiter;

import java.time.Duration;

/**
 * {@link RateLimiter} on Bucket4j's Hazelcast integration, entry-processor flavour: each check is one entry processor
 * run on the bucket's owner under its partition lock, so a check costs one network round trip (none when this node
 * owns the key) and concurrent checks from every node are exact. Buckets live in one map with the cluster's
 * synchronous backup, so a bucket outlives its owner; an idle bucket is dropped a little after it would be full again,
 * since a fresh one is then the same.
 */
public final class BucketRateLimiter implements RateLimiter {

    static final String MAP = "portcullis.rate-limits";
    private static final Duration KEEP_WHEN_FULL = Duration.ofSeconds(10);

    private final ProxyManager<String> buckets;

    public BucketRateLimiter(HazelcastInstance hazelcast) {
        this.buckets = Bucket4jHazelcast.<String>entryProcessorBasedBuilder(hazelcast.getMap(MAP))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_WHEN_FULL))
                .build();
    }

    @Override
    public Decision tryConsume(String key, long amount, Limit limit) {
        if (amount < 1) {
            throw new IllegalArgumentException("amount: expected at least 1, got " + amount);
        }
        ConsumptionProbe probe = bucket(key, limit).tryConsumeAndReturnRemaining(amount);
        return new Decision(probe.isConsumed(), probe.getRemainingTokens(),
                probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill()),
                Duration.ofNanos(probe.getNanosToWaitForReset()));
    }

    @Override
    public long adjust(String key, long delta, Limit limit) {
        BucketProxy bucket = bucket(key, limit);
        if (delta > 0) {
            return bucket.asVerbose().consumeIgnoringRateLimits(delta).getDiagnostics().getAvailableTokens();
        }
        if (delta < 0) {
            return bucket.asVerbose().addTokens(-delta).getDiagnostics().getAvailableTokens();
        }
        return bucket.getAvailableTokens();
    }

    /** The bucket of a key and a limit: a changed limit is a different bucket, as {@link RateLimiter} promises. */
    private BucketProxy bucket(String key, Limit limit) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("a rate-limit bucket needs a key");
        }
        String id = key + "@" + limit.capacity() + "/" + limit.period().toMillis() + "ms";
        return buckets.builder().build(id, () -> BucketConfiguration.builder()
                .addLimit(bandwidth -> bandwidth.capacity(limit.capacity()).refillGreedy(limit.capacity(), limit.period()))
                .build());
    }
}
