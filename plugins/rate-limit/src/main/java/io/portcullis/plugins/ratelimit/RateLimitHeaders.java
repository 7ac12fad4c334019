package io.portcullis.plugins.ratelimit;

import io.portcullis.api.service.RateLimiter;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** OpenAI's rate-limit response headers, in OpenAI's formats ({@code x-ratelimit-reset-requests: 6m0s}). */
final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    /**
     * @param what  {@code requests} or {@code tokens}
     * @param limit the bucket's capacity per minute
     */
    static Map<String, String> of(String what, long limit, RateLimiter.Decision decision) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-ratelimit-limit-" + what, Long.toString(limit));
        headers.put("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, decision.remaining())));
        headers.put("x-ratelimit-reset-" + what, duration(decision.resetAfter()));
        return headers;
    }

    /** @return a duration as OpenAI writes it: {@code 20ms}, {@code 1s}, {@code 6m0s} */
    static String duration(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 1000) {
            return millis + "ms";
        }
        long seconds = (millis + 999) / 1000;
        return seconds < 60 ? seconds + "s" : seconds / 60 + "m" + seconds % 60 + "s";
    }

    /** @return {@code Retry-After} in whole seconds, rounded up, at least 1 */
    static String retryAfter(Duration duration) {
        return Long.toString(Math.max(1, (duration.toMillis() + 999) / 1000));
    }
}
