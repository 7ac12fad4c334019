package io.portcullis.runtime.routing;

import io.portcullis.runtime.config.GatewayConfig;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long to wait before trying a target again: exponential backoff with jitter, or the upstream's
 * {@code Retry-After} when it gave one — unless that is longer than the cap, in which case the target is not tried
 * again for this request (waiting that long would spend the client's time; another target may answer now).
 *
 * @param retries       further attempts on one target
 * @param backoff       the wait before the first retry, doubled for each further one
 * @param maxBackoff    the longest backoff
 * @param maxRetryAfter the longest {@code Retry-After} honoured by waiting
 */
record RetryPolicy(int retries, Duration backoff, Duration maxBackoff, Duration maxRetryAfter) {

    static RetryPolicy of(GatewayConfig.RoutingConfig config) {
        return new RetryPolicy(config.retries(), Duration.ofMillis(config.backoffMs()),
                Duration.ofMillis(config.maxBackoffMs()), Duration.ofMillis(config.maxRetryAfterMs()));
    }

    /**
     * @param retry      0 for the first retry, 1 for the second, ...
     * @param retryAfter what the upstream asked for, if anything
     * @param random     the jitter's source
     * @return the wait before the retry, or empty when the target should not be tried again
     */
    Optional<Duration> delay(int retry, Optional<Duration> retryAfter, RandomGenerator random) {
        if (retry >= retries) {
            return Optional.empty();
        }
        if (retryAfter.isPresent()) {
            return retryAfter.get().compareTo(maxRetryAfter) > 0 ? Optional.empty() : retryAfter;
        }
        long base = backoff.toNanos() << Math.min(retry, 30);
        long capped = Math.min(base < 0 ? Long.MAX_VALUE : base, maxBackoff.toNanos());
        // "Equal jitter": half the backoff for sure, the other half at random, so that clients that failed together
        // do not come back together, and no wait collapses to nothing.
        long half = capped / 2;
        return Optional.of(Duration.ofNanos(half + (half > 0 ? random.nextLong(half + 1) : 0)));
    }

    /**
     * Reads {@code Retry-After} (seconds, or an HTTP date) from an upstream failure's headers.
     *
     * @return the wait it asks for, or empty when there is none or it cannot be read
     */
    static Optional<Duration> retryAfter(Map<String, String> headers, Instant now) {
        String value = null;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Retry-After")) {
                value = header.getValue().trim();
            }
        }
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            double seconds = Double.parseDouble(value);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofMillis((long) (seconds * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
