package io.portcullis.plugins.ratelimit;

import io.portcullis.api.service.RateLimiter;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets in memory with time standing still: nothing refills, so what a test consumes is exactly what is
 * gone. Refusals say how long the missing amount takes to refill, as a real bucket would.
 */
final class FrozenRateLimiter implements RateLimiter {

    final Map<String, Long> buckets = new ConcurrentHashMap<>();

    @Override
    public synchronized Decision tryConsume(String key, long amount, Limit limit) {
        long held = holding(key, limit);
        if (held >= amount) {
            buckets.put(bucket(key, limit), held - amount);
            return new Decision(true, held - amount, Duration.ZERO, refill(limit, limit.capacity() - held + amount));
        }
        return new Decision(false, held, refill(limit, amount - held), refill(limit, limit.capacity() - held));
    }

    @Override
    public synchronized long adjust(String key, long delta, Limit limit) {
        long after = Math.min(limit.capacity(), holding(key, limit) - delta);
        buckets.put(bucket(key, limit), after);
        return after;
    }

    /** @return what the bucket of {@code key} with {@code limit} holds */
    synchronized long holding(String key, Limit limit) {
        return buckets.getOrDefault(bucket(key, limit), limit.capacity());
    }

    private static String bucket(String key, Limit limit) {
        return key + "@" + limit.capacity() + "/" + limit.period();
    }

    private static Duration refill(Limit limit, long amount) {
        return limit.period().multipliedBy(Math.max(0, amount)).dividedBy(limit.capacity());
    }
}
