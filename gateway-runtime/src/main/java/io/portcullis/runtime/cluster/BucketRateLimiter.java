package io.portcullis.runtime.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.portcullis.api.service.RateLimiter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * {@link RateLimiter} on Bucket4j's Hazelcast integration, entry-processor flavour: each check is one entry processor
 * run on the bucket's owner under its partition lock, so a check costs one network round trip (none when this node
 * owns the key) and concurrent checks from every node are exact. Buckets live in one map with the cluster's
 * synchronous backup, so a bucket outlives its owner; an idle bucket is dropped a little after it would be full again,
 * since a fresh one is then the same.
 *
 * <p>{@link #tryConsumeAll} sends one entry processor per bucket at once and waits for all of them, so several buckets
 * still cost one round trip; {@link #adjustLater} sends and returns, so the correction after an answer costs the
 * answer nothing.
 */
public final class BucketRateLimiter implements RateLimiter {

    static final String MAP = "portcullis.rate-limits";
    private static final Duration KEEP_WHEN_FULL = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(BucketRateLimiter.class);

    private final ProxyManager<String> buckets;
    /**
     * Runs every bucket call, the ones made in parallel included: reused virtual threads blocked on synchronous entry
     * processors, never the caller's (a new virtual thread per request) nor a new one per call, which left a Hazelcast
     * buffer pool behind per call (see {@link ClusterCallThreads}). Not Bucket4j's async API: its futures complete
     * through Hazelcast's default async executor, which on a machine with two cores or fewer (common pool parallelism
     * 1) starts a new platform thread per callback; measured, that cut a node's throughput with rate-limit by 13x.
     */
    private final ClusterCallThreads calls = new ClusterCallThreads("portcullis-rate-limit");

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
        return calls.call(() -> consume(key, amount, limit));
    }

    private Decision consume(String key, long amount, Limit limit) {
        return decision(bucket(key, limit).tryConsumeAndReturnRemaining(amount));
    }

    @Override
    public Decisions tryConsumeAll(List<Take> takes) {
        // Every entry processor is on its way before the first answer is awaited: one round trip for all of them.
        if (takes.isEmpty()) {
            return new Decisions(List.of());
        }
        List<Future<Decision>> answers = new ArrayList<>(takes.size());
        for (Take take : takes) {
            answers.add(calls.submit(() -> consume(take.key(), take.amount(), take.limit())));
        }
        List<Decision> decisions = new ArrayList<>(takes.size());
        answers.forEach(answer -> decisions.add(ClusterCallThreads.await(answer)));
        // On a refusal the give-backs are awaited too, so that nothing is left taken when this returns.
        List<Future<Long>> givenBack = new ArrayList<>();
        Decisions settled = Decisions.settle(takes, decisions,
                take -> givenBack.add(calls.submit(() -> adjustHere(take.key(), -take.amount(), take.limit()))));
        givenBack.forEach(ClusterCallThreads::await);
        return settled;
    }

    @Override
    public CompletionStage<Long> adjustLater(String key, long delta, Limit limit) {
        // Fire and forget: a lost correction leaves a bucket slightly off for a minute, which beats failing a request.
        return CompletableFuture.supplyAsync(() -> adjustHere(key, delta, limit), calls).whenComplete((held, failure) -> {
            if (failure != null) {
                log.debug("Could not adjust rate-limit bucket {} by {}: {}", key, delta, failure.toString());
            }
        });
    }

    @Override
    public long adjust(String key, long delta, Limit limit) {
        return calls.call(() -> adjustHere(key, delta, limit));
    }

    private long adjustHere(String key, long delta, Limit limit) {
        BucketProxy bucket = bucket(key, limit);
        if (delta > 0) {
            return bucket.asVerbose().consumeIgnoringRateLimits(delta).getDiagnostics().getAvailableTokens();
        }
        if (delta < 0) {
            return bucket.asVerbose().addTokens(-delta).getDiagnostics().getAvailableTokens();
        }
        return bucket.getAvailableTokens();
    }

    private BucketProxy bucket(String key, Limit limit) {
        return buckets.builder().build(id(key, limit), () -> configuration(limit));
    }

    /** The bucket of a key and a limit: a changed limit is a different bucket, as {@link RateLimiter} promises. */
    static String id(String key, Limit limit) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("a rate-limit bucket needs a key");
        }
        return key + "@" + limit.capacity() + "/" + limit.period().toMillis() + "ms";
    }

    private static BucketConfiguration configuration(Limit limit) {
        return BucketConfiguration.builder()
                .addLimit(bandwidth -> bandwidth.capacity(limit.capacity()).refillGreedy(limit.capacity(), limit.period()))
                .build();
    }

    private static Decision decision(ConsumptionProbe probe) {
        return new Decision(probe.isConsumed(), probe.getRemainingTokens(),
                probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill()),
                Duration.ofNanos(probe.getNanosToWaitForReset()));
    }
}
