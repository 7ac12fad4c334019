package io.portcullis.plugins.ratelimit;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The keys of a {@code rate-limit} policy's block in {@code gateway.yaml}. Budgets are cluster-wide: a key limited to
 * 600 requests a minute gets 600 in total, whichever nodes its requests land on.
 *
 * @param requestsPerMinute the request budget of each bucket (default none: only keys' own budgets apply)
 * @param tokensPerMinute   the token budget of each bucket, prompt and completion together (default none)
 * @param per               what a bucket belongs to: {@code key} (default), {@code tenant}, {@code model}, or a
 *                          list of them for one bucket per combination ({@code [tenant, model]}). With {@code key}
 *                          in it, a key's own {@code requestsPerMinute} and {@code tokensPerMinute} (from the admin
 *                          API or the auth policy's configuration) take precedence over these. For two independent
 *                          limits on one route, list two policies ({@code use: rate-limit}).
 */
public record RateLimitConfig(Long requestsPerMinute, Long tokensPerMinute,
                              @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<Dimension> per) {

    public RateLimitConfig {
        positive("requestsPerMinute", requestsPerMinute);
        positive("tokensPerMinute", tokensPerMinute);
        per = per == null || per.isEmpty() ? List.of(Dimension.KEY) : List.copyOf(per.stream().distinct().toList());
        if (!per.contains(Dimension.KEY) && requestsPerMinute == null && tokensPerMinute == null) {
            throw new IllegalArgumentException("expected requestsPerMinute or tokensPerMinute: without key in per, "
                    + "no key's own budget applies and this policy would limit nothing");
        }
    }

    private static void positive(String name, Long value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(name + ": expected a positive number, got " + value);
        }
    }

    /** What a bucket is counted for. */
    public enum Dimension {
        /** The caller's key (its principal id; every unauthenticated caller shares the {@code anonymous} bucket). */
        @JsonProperty("key") KEY,
        /** The caller's tenant; a caller without one is counted on its own, by key. */
        @JsonProperty("tenant") TENANT,
        /** The public model name the request asks for. */
        @JsonProperty("model") MODEL
    }
}
