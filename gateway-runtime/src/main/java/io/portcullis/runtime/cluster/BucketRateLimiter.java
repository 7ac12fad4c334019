package io.portcullis.runtime.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.portcullis.api.service.RateLimiter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@link RateLimiter} on Bucket4j's Hazelcast integration, entry-processor flavour: each check is one entry processor
 * run on the bucket's owner under its partition lock, so a check costs one network round trip (none when this node
 * owns the key) and concurrent checks from every node are exact. Buckets live in one map with the cluster's
 * synchronous backup, so a bucket outlives its owner; an idle bucket is dropped a little after it would be full again,
 * since a fresh one is then the same.
 *
 * <p>{@link #tryConsumeAll} submits one entry processor per bucket at once (Bucket4j's async API, Hazelcast's
 * {@code submitToKey}) and waits for all of them, so several buckets still cost one round trip; {@link #adjustLater}
 * submits and returns, so the correction after an answer costs the answer nothing.
 */
public final class BucketRateLimiter implements RateLimiter {

    static final String MAP = "portcullis.rate-limits";
    private static final Duration KEEP_WHEN_FULL = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(BucketRateLimiter.class);

    private final ProxyManager<String> buckets;
    private final AsyncProxyManager<String> asyncBuckets;

    public BucketRateLimiter(HazelcastInstance hazelcast) {
        this.buckets = Bucket4jHazelcast.<String>entryProcessorBasedBuilder(hazelcast.getMap(MAP))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_WHEN_FULL))
                .build();
        this.asyncBuckets = buckets.asAsync();
    }

    @Override
    public Decision tryConsume(String key, long amount, Limit limit) {
        if (amount < 1) {
            throw new IllegalArgumentException("amount: expected at least 1, got " + amount);
        }
        return decision(bucket(key, limit).tryConsumeAndReturnRemaining(amount));
    }

    @Override
    public Decisions tryConsumeAll(List<Take> takes) {
        // Every entry processor is on its way before the first answer is awaited: one round trip for all of them.
        List<CompletableFuture<ConsumptionProbe>> probes = takes.stream()
                .map(take -> asyncBucket(take.key(), take.limit()).tryConsumeAndReturnRemaining(take.amount()))
                .toList();
        List<Decision> decisions = probes.stream().map(probe -> decision(await(probe))).toList();
        // On a refusal the give-backs are awaited too, so that nothing is left taken when this returns.
        List<CompletableFuture<Void>> givenBack = new ArrayList<>();
        Decisions settled = Decisions.settle(takes, decisions,
                take -> givenBack.add(asyncBucket(take.key(), take.limit()).addTokens(take.amount())));
        givenBack.forEach(BucketRateLimiter::await);
        return settled;
    }

    @Override
    public CompletionStage<Long> adjustLater(String key, long delta, Limit limit) {
        AsyncBucketProxy bucket = asyncBucket(key, limit);
        CompletableFuture<Long> after;
        if (delta > 0) {
            after = bucket.asVerbose().consumeIgnoringRateLimits(delta)
                    .thenApply(result -> result.getDiagnostics().getAvailableTokens());
        } else if (delta < 0) {
            after = bucket.asVerbose().addTokens(-delta).thenApply(result -> result.getDiagnostics().getAvailableTokens());
        } else {
            after = bucket.getAvailableTokens();
        }
        // Fire and forget: a lost correction leaves a bucket slightly off for a minute, which beats failing a request.
        return after.whenComplete((held, failure) -> {
            if (failure != null) {
                log.debug("Could not adjust rate-limit bucket {} by {}: {}", key, delta, failure.toString());
            }
        });
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

    private BucketProxy bucket(String key, Limit limit) {
        return buckets.builder().build(id(key, limit), () -> configuration(limit));
    }

    private AsyncBucketProxy asyncBucket(String key, Limit limit) {
        return asyncBuckets.builder().build(id(key, limit), () -> CompletableFuture.completedFuture(configuration(limit)));
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

    /** Waits for a cluster answer, failing as the synchronous calls do (unchecked, with the cluster's own cause). */
    private static <T> T await(CompletableFuture<T> answer) {
        try {
            return answer.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
