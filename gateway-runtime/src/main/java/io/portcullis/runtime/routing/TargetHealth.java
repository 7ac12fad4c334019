package io.portcullis.runtime.routing;

import java.time.Duration;
import java.util.OptionalDouble;

/**
 * What the router knows about one target ({@code provider/upstream model}), whichever models use it: its circuit
 * breaker, and a moving average of how long it takes to answer (to the whole answer, or a stream's first chunk).
 */
final class TargetHealth {

    /** The weight of the newest latency in the average: recent answers count most, one slow answer does not rule. */
    private static final double SMOOTHING = 0.3;

    private final CircuitBreaker breaker;
    private double averageMs = Double.NaN;

    TargetHealth(CircuitBreaker breaker) {
        this.breaker = breaker;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** Adds a successful call's latency to the moving average. */
    synchronized void answeredIn(Duration latency) {
        double ms = latency.toNanos() / 1_000_000.0;
        averageMs = Double.isNaN(averageMs) ? ms : SMOOTHING * ms + (1 - SMOOTHING) * averageMs;
    }

    /** @return the moving average of latencies in milliseconds, or empty before the first answer */
    synchronized OptionalDouble averageMs() {
        return Double.isNaN(averageMs) ? OptionalDouble.empty() : OptionalDouble.of(averageMs);
    }
}
