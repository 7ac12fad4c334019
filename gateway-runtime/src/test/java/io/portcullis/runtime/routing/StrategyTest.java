package io.portcullis.runtime.routing;

import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StrategyTest {

    private final SplittableRandom random = new SplittableRandom(20261207);

    @Test
    void weighted_picks_first_in_proportion_to_the_weights_within_five_percent_over_2000_picks() {
        List<Candidate> targets = List.of(target("a", 3, null), target("b", 1, null), target("c", 0, null));

        Map<String, Long> firsts = IntStream.range(0, 2000)
                .mapToObj(i -> Strategy.WEIGHTED.order(targets, i, random).get(0).providerId())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));

        assertThat(firsts.get("a") / 2000.0).isCloseTo(0.75, within(0.05));
        assertThat(firsts.get("b") / 2000.0).isCloseTo(0.25, within(0.05));
        assertThat(firsts).doesNotContainKey("c");
    }

    @Test
    void weighted_keeps_every_target_as_a_fallback_and_a_standby_last() {
        List<Candidate> targets = List.of(target("standby", 0, null), target("a", 1, null), target("b", 1, null));

        for (int i = 0; i < 50; i++) {
            List<Candidate> order = Strategy.WEIGHTED.order(targets, i, random);
            assertThat(order).extracting(Candidate::providerId).containsExactlyInAnyOrder("standby", "a", "b");
            assertThat(order.get(2).providerId()).isEqualTo("standby");
        }
    }

    @Test
    void round_robin_starts_one_target_further_with_each_turn() {
        List<Candidate> targets = List.of(target("a", 1, null), target("b", 1, null), target("c", 1, null));

        assertThat(Strategy.ROUND_ROBIN.order(targets, 0, random)).extracting(Candidate::providerId)
                .containsExactly("a", "b", "c");
        assertThat(Strategy.ROUND_ROBIN.order(targets, 1, random)).extracting(Candidate::providerId)
                .containsExactly("b", "c", "a");
        assertThat(Strategy.ROUND_ROBIN.order(targets, 5, random)).extracting(Candidate::providerId)
                .containsExactly("c", "a", "b");
    }

    @Test
    void least_latency_tries_an_unmeasured_target_first_then_the_fastest_moving_average() {
        Candidate slow = target("slow", 1, null);
        Candidate fast = target("fast", 1, null);
        Candidate fresh = target("fresh", 1, null);
        slow.health().answeredIn(Duration.ofMillis(200));
        fast.health().answeredIn(Duration.ofMillis(300));
        // The average moves with recent answers: fast has become the faster one.
        fast.health().answeredIn(Duration.ofMillis(10));
        fast.health().answeredIn(Duration.ofMillis(10));
        fast.health().answeredIn(Duration.ofMillis(10));

        assertThat(fast.health().averageMs().orElseThrow()).isLessThan(200);
        assertThat(Strategy.LEAST_LATENCY.order(List.of(slow, fast, fresh), 0, random))
                .extracting(Candidate::providerId).containsExactly("fresh", "fast", "slow");
    }

    @Test
    void lowest_cost_orders_by_price_with_unpriced_targets_last() {
        List<Candidate> targets = List.of(target("unpriced", 1, null),
                target("dear", 1, new GatewayConfig.Price(2.5, 10.0)),
                target("cheap", 1, new GatewayConfig.Price(0.15, 0.6)));

        assertThat(Strategy.LOWEST_COST.order(targets, 0, random)).extracting(Candidate::providerId)
                .containsExactly("cheap", "dear", "unpriced");
    }

    @Test
    void configuration_names_map_to_strategies() {
        assertThat(GatewayConfig.ModelEntry.STRATEGIES).map(Strategy::of)
                .containsExactly(Strategy.WEIGHTED, Strategy.ROUND_ROBIN, Strategy.LEAST_LATENCY,
                        Strategy.LOWEST_COST);
    }

    private static Candidate target(String provider, double weight, GatewayConfig.Price price) {
        return new Candidate(provider, null, provider + "-model", weight, price,
                new TargetHealth(new CircuitBreaker(0, Duration.ofSeconds(1), InstantSource.system())));
    }
}
