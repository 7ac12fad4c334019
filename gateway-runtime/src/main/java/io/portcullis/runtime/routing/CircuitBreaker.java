package io.portcullis.runtime.routing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * One target's circuit breaker. Closed, it lets every call through and counts consecutive failures; at the threshold
 * it opens and lets nothing through for the cool-down; then it lets exactly one call through as a probe (half-open):
 * the probe's success closes it, its failure opens it for another cool-down.
 *
 * <p>Every call let through by {@link #tryAcquire()} must be reported with {@link #onSuccess()},
 * {@link #onFailure()} or {@link #onAbandoned()}, or a half-open breaker would wait for its probe forever.
 * Thread-safe.
 */
final class CircuitBreaker {

    /** Where a breaker stands. */
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final Duration coolDown;
    private final InstantSource clock;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private Instant openedAt;

    /**
     * @param threshold consecutive failures that open the circuit; 0 never opens it
     * @param coolDown  how long it stays open before the probe
     * @param clock     the time
     */
    CircuitBreaker(int threshold, Duration coolDown, InstantSource clock) {
        this.threshold = threshold;
        this.coolDown = coolDown;
        this.clock = clock;
    }

    /** @return whether a call may go to the target now; {@code true} when open and cooled down makes it the probe */
    synchronized boolean tryAcquire() {
        return switch (state) {
            case CLOSED -> true;
            case HALF_OPEN -> false;
            case OPEN -> {
                if (clock.instant().isBefore(openedAt.plus(coolDown))) {
                    yield false;
                }
                state = State.HALF_OPEN;
                yield true;
            }
        };
    }

    /** The target answered: the circuit closes (or stays closed) and the count starts again. */
    synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
    }

    /** The target failed: a failed probe reopens the circuit; a closed one opens at the threshold. */
    synchronized void onFailure() {
        switch (state) {
            case HALF_OPEN -> open();
            case CLOSED -> {
                consecutiveFailures++;
                if (threshold > 0 && consecutiveFailures >= threshold) {
                    open();
                }
            }
            case OPEN -> {
                // A call that started before the circuit opened: its failure tells nothing new.
            }
        }
    }

    /**
     * A call let through ended without telling anything about the target (the request's own deadline ran out): the
     * count stays, and a probe's turn passes to the next caller at once.
     */
    synchronized void onAbandoned() {
        if (state == State.HALF_OPEN) {
            state = State.OPEN;
        }
    }

    /** @return the state, as a reader sees it now (an open circuit whose cool-down is over still says OPEN) */
    synchronized State state() {
        return state;
    }

    /** @return how long until an open circuit lets its probe through; zero when it is not open */
    synchronized Duration untilProbe() {
        if (state != State.OPEN) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(clock.instant(), openedAt.plus(coolDown));
        return left.isNegative() ? Duration.ZERO : left;
    }

    private void open() {
        state = State.OPEN;
        openedAt = clock.instant();
        consecutiveFailures = 0;
    }
}
