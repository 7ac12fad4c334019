package io.portcullis.runtime.routing;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(1000),
            Duration.ofSeconds(5));
    private final RetryPolicy patient = new RetryPolicy(100, Duration.ofMillis(100), Duration.ofMillis(1000),
            Duration.ofSeconds(5));
    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void the_backoff_doubles_with_each_retry_with_up_to_half_of_it_as_jitter_and_stops_at_the_cap() {
        for (int i = 0; i < 200; i++) {
            assertThat(policy.delay(0, Optional.empty(), random)).hasValueSatisfying(wait ->
                    assertThat(wait).isBetween(Duration.ofMillis(50), Duration.ofMillis(100)));
            assertThat(policy.delay(1, Optional.empty(), random)).hasValueSatisfying(wait ->
                    assertThat(wait).isBetween(Duration.ofMillis(100), Duration.ofMillis(200)));
            assertThat(policy.delay(3, Optional.empty(), random)).hasValueSatisfying(wait ->
                    assertThat(wait).isBetween(Duration.ofMillis(400), Duration.ofMillis(800)));
            assertThat(patient.delay(40, Optional.empty(), random)).hasValueSatisfying(wait ->
                    assertThat(wait).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000)));
        }
    }

    @Test
    void the_jitter_spreads_the_waits() {
        long distinct = java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> policy.delay(2, Optional.empty(), random).orElseThrow()).distinct().count();
        assertThat(distinct).isGreaterThan(10);
    }

    @Test
    void there_is_no_retry_beyond_the_configured_number() {
        assertThat(policy.delay(4, Optional.empty(), random)).isEmpty();
        assertThat(new RetryPolicy(0, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(5))
                .delay(0, Optional.empty(), random)).isEmpty();
    }

    @Test
    void an_upstream_retry_after_is_waited_for_exactly_when_it_is_under_the_cap() {
        assertThat(policy.delay(0, Optional.of(Duration.ofSeconds(2)), random)).contains(Duration.ofSeconds(2));
        assertThat(policy.delay(0, Optional.of(Duration.ofSeconds(5)), random)).contains(Duration.ofSeconds(5));
    }

    @Test
    void a_retry_after_beyond_the_cap_means_no_retry_on_that_target() {
        assertThat(policy.delay(0, Optional.of(Duration.ofSeconds(60)), random)).isEmpty();
    }

    @Test
    void retry_after_is_read_as_seconds_or_as_an_http_date_in_any_header_case() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(10).atOffset(ZoneOffset.UTC));

        assertThat(RetryPolicy.retryAfter(Map.of("Retry-After", "3"), now)).contains(Duration.ofSeconds(3));
        assertThat(RetryPolicy.retryAfter(Map.of("retry-after", "0.5"), now)).contains(Duration.ofMillis(500));
        assertThat(RetryPolicy.retryAfter(Map.of("Retry-After", inTenSeconds), now)).contains(Duration.ofSeconds(10));
        assertThat(RetryPolicy.retryAfter(Map.of("Retry-After", "soon"), now)).isEmpty();
        assertThat(RetryPolicy.retryAfter(Map.of(), now)).isEmpty();
    }
}
