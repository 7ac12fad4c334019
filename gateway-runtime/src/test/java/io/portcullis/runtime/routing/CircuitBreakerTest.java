package io.portcullis.runtime.routing;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CircuitBreakerTest {

    private final ManualClock clock = new ManualClock();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);

    @Test
    void it_opens_after_the_threshold_of_consecutive_failures_and_then_lets_nothing_through() {
        failTimes(2);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();

        breaker.onFailure();

        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.untilProbe()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void a_success_resets_the_count_of_consecutive_failures() {
        failTimes(2);
        breaker.onSuccess();
        failTimes(2);

        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void after_the_cool_down_exactly_one_probe_goes_through_and_its_success_closes_the_circuit() {
        failTimes(3);
        clock.advance(Duration.ofSeconds(29));
        assertThat(breaker.tryAcquire()).isFalse();

        clock.advance(Duration.ofSeconds(1));

        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.tryAcquire()).as("a second caller while the probe runs").isFalse();
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void a_failed_probe_opens_the_circuit_for_another_cool_down() {
        failTimes(3);
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isTrue();

        breaker.onFailure();

        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.untilProbe()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void an_abandoned_probe_leaves_the_next_caller_to_probe_at_once_and_an_abandoned_call_counts_nothing() {
        failTimes(2);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onAbandoned();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        breaker.onFailure();
        assertThat(breaker.state()).as("the third failure, not counting the abandoned call")
                .isEqualTo(CircuitBreaker.State.OPEN);

        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onAbandoned();

        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    @Test
    void a_threshold_of_zero_never_opens() {
        CircuitBreaker off = new CircuitBreaker(0, Duration.ofSeconds(30), clock);
        for (int i = 0; i < 100; i++) {
            off.onFailure();
        }
        assertThat(off.tryAcquire()).isTrue();
    }

    private void failTimes(int count) {
        for (int i = 0; i < count; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.onFailure();
        }
    }
}
