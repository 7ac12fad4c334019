package io.portcullis.api.service;

import java.time.Duration;
import java.util.Objects;

/**
 * Token buckets shared by every node of the cluster: a key limited to N per minute is admitted N times per minute in
 * total, whichever nodes the requests land on, and keeps its state when a node dies.
 *
 * <p>A bucket is identified by its key and its limit together: changing a caller's limit starts a fresh bucket.
 * Buckets refill gradually ({@code capacity} per {@code period}, spread evenly), as OpenAI's limits do.
 *
 * <pre>{@code
 * Decision d = rateLimiter.tryConsume("rpm:key:" + principal.id(), 1, new Limit(600, Duration.ofMinutes(1)));
 * if (!d.allowed()) throw new GatewayException(ErrorCode.RATE_LIMITED, ...Retry-After: d.retryAfter()...);
 * }</pre>
 */
public interface RateLimiter {

    /**
     * Takes {@code amount} from the bucket if it holds that much.
     *
     * @param key    the bucket's key; name it after the plugin and what it counts
     * @param amount how much to take (1 for a request, the estimated tokens for a prompt), at least 1
     * @param limit  the bucket's capacity and refill period
     * @return whether it was taken, what is left, and when to retry if it was not
     */
    Decision tryConsume(String key, long amount, Limit limit);

    /**
     * Corrects a bucket after the fact, whatever it holds: a positive {@code delta} takes more (the bucket may go
     * into debt, which later requests wait out), a negative one gives back (never above capacity). This is how an
     * estimate made before a call is reconciled with the real usage after it.
     *
     * @return what the bucket holds afterwards (negative while in debt)
     */
    long adjust(String key, long delta, Limit limit);

    /**
     * A bucket's size and refill.
     *
     * @param capacity how much the bucket holds when full, and how much it refills per period
     * @param period   the refill period
     */
    record Limit(long capacity, Duration period) {
        public Limit {
            if (capacity <= 0) {
                throw new IllegalArgumentException("capacity: expected a positive number, got " + capacity);
            }
            Objects.requireNonNull(period, "period");
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period: expected a positive duration, got " + period);
            }
        }

        /** @return {@code n} per minute */
        public static Limit perMinute(long n) {
            return new Limit(n, Duration.ofMinutes(1));
        }
    }

    /**
     * The outcome of {@link #tryConsume}.
     *
     * @param allowed    whether the amount was taken
     * @param remaining  what the bucket holds now (after taking, when allowed)
     * @param retryAfter when refused, how long until the amount will be there; {@link Duration#ZERO} when allowed
     * @param resetAfter how long until the bucket is full again
     */
    record Decision(boolean allowed, long remaining, Duration retryAfter, Duration resetAfter) {
    }
}
