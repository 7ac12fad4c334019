package io.portcullis.plugins.ratelimit;

import io.portcullis.api.service.RateLimiter;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Token buckets in memory with time standing still: nothing refills, so what a test consumes is exactly what is
 * gone. Refusals say how long the missing amount takes to refill, as a real bucket would. It records how it was
 * called, since a cluster call is a network round trip: the policy must make as few as it can.
 */
final class FrozenRateLimiter implements RateLimiter {

    final Map<String, Long> buckets = new ConcurrentHashMap<>();
    /** Every call, in order: {@code tryConsume}, {@code tryConsumeAll}, {@code adjust} or {@code adjustLater}. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    private boolean inner;

    @Override
    public synchronized Decisions tryConsumeAll(List<Take> takes) {
        calls.add("tryConsumeAll");
        inner = true;
        try {
            return RateLimiter.super.tryConsumeAll(takes);
        } finally {
            inner = false;
        }
    }

    @Override
    public synchronized CompletionStage<Long> adjustLater(String key, long delta, Limit limit) {
        calls.add("adjustLater");
        inner = true;
        try {
            return RateLimiter.super.adjustLater(key, delta, limit);
        } finally {
            inner = false;
        }
    }

    @Override
    public synchronized Decision tryConsume(String key, long amount, Limit limit) {
        record("tryConsume");
        long held = holding(key, limit);
        if (held >= amount) {
            buckets.put(bucket(key, limit), held - amount);
            return new Decision(true, held - amount, Duration.ZERO, refill(limit, limit.capacity() - held + amount));
        }
        return new Decision(false, held, refill(limit, amount - held), refill(limit, limit.capacity() - held));
    }

    @Override
    public synchronized long adjust(String key, long delta, Limit limit) {
        record("adjust");
        long after = Math.min(limit.capacity(), holding(key, limit) - delta);
        buckets.put(bucket(key, limit), after);
        return after;
    }

    /** @return what the bucket of {@code key} with {@code limit} holds */
    synchronized long holding(String key, Limit limit) {
        return buckets.getOrDefault(bucket(key, limit), limit.capacity());
    }

    /** Records a call made by the policy itself, not one the default methods make on its behalf. */
    private void record(String call) {
        if (!inner) {
            calls.add(call);
        }
    }

    private static String bucket(String key, Limit limit) {
        return key + "@" + limit.capacity() + "/" + limit.period();
    }

    private static Duration refill(Limit limit, long amount) {
        return limit.period().multipliedBy(Math.max(0, amount)).dividedBy(limit.capacity());
    }
}
