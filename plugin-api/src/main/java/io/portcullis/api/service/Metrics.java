package io.portcullis.api.service;

import java.time.Duration;

/**
 * The gateway's metrics registry, published at {@code GET /metrics} in Prometheus' text format.
 *
 * <p>Names are dotted and lower case ({@code pii.detections}); the registry turns them into Prometheus names
 * ({@code pii_detections_total}). Tags are given as name, value pairs: {@code increment("pii.detections", "type",
 * "email")}. Keep tag values to a small, bounded set: never a user id, a key or a prompt.
 */
public interface Metrics {

    /** Adds one to a counter. */
    void increment(String name, String... tags);

    /** Adds {@code amount} to a counter. */
    void increment(String name, double amount, String... tags);

    /** Records one duration in a timer. */
    void record(String name, Duration duration, String... tags);

    /** Records one value in a distribution (sizes, token counts). */
    void observe(String name, double value, String... tags);
}
