package io.portcullis.runtime.routing;

import io.portcullis.runtime.config.GatewayConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;

/**
 * How a model's targets are ordered for one request: the first is tried first, the others are its fallbacks within
 * the model. Every strategy returns every target, so that none is lost as a fallback.
 */
enum Strategy {

    /** A random pick by weight, then the rest by weight: a target of weight 0 is a standby, tried only last. */
    WEIGHTED,
    /** Each request starts one target further along. */
    ROUND_ROBIN,
    /** The fastest moving average first; a target with no answer yet comes first, so that it gets measured. */
    LEAST_LATENCY,
    /** The cheapest price first (input plus output per million tokens); unpriced targets last. */
    LOWEST_COST;

    /** @param name a {@code strategy:} value, validated by the configuration */
    static Strategy of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /**
     * @param targets the model's active targets, in configuration order
     * @param turn    a counter that grows by one per request for this model (round-robin)
     * @param random  the weighted pick's source
     */
    List<Candidate> order(List<Candidate> targets, long turn, RandomGenerator random) {
        if (targets.size() < 2) {
            return targets;
        }
        return switch (this) {
            case WEIGHTED -> weighted(targets, random);
            case ROUND_ROBIN -> {
                int start = (int) Math.floorMod(turn, (long) targets.size());
                List<Candidate> rotated = new ArrayList<>(targets.subList(start, targets.size()));
                rotated.addAll(targets.subList(0, start));
                yield rotated;
            }
            // List.sort is stable: ties keep the configuration's order.
            case LEAST_LATENCY -> sorted(targets, Comparator.comparingDouble(c -> {
                OptionalDouble average = c.health().averageMs();
                return average.isPresent() ? average.getAsDouble() : -1;
            }));
            case LOWEST_COST -> sorted(targets, Comparator.comparingDouble(c -> {
                GatewayConfig.Price price = c.price();
                return price == null ? Double.POSITIVE_INFINITY : price.input() + price.output();
            }));
        };
    }

    private static List<Candidate> sorted(List<Candidate> targets, Comparator<Candidate> by) {
        List<Candidate> copy = new ArrayList<>(targets);
        copy.sort(by);
        return copy;
    }

    /** Weighted sampling without replacement. */
    private static List<Candidate> weighted(List<Candidate> targets, RandomGenerator random) {
        List<Candidate> left = new ArrayList<>(targets);
        List<Candidate> ordered = new ArrayList<>(targets.size());
        while (!left.isEmpty()) {
            double total = left.stream().mapToDouble(Candidate::weight).sum();
            if (total <= 0) {
                ordered.addAll(left);
                break;
            }
            double pick = random.nextDouble() * total;
            int chosen = left.size() - 1;
            for (int i = 0; i < left.size(); i++) {
                pick -= left.get(i).weight();
                if (pick < 0) {
                    chosen = i;
                    break;
                }
            }
            // Floating-point leftovers must not land on a standby: fall back to the last target with weight.
            while (left.get(chosen).weight() <= 0 && chosen > 0) {
                chosen--;
            }
            ordered.add(left.remove(chosen));
        }
        return ordered;
    }
}
