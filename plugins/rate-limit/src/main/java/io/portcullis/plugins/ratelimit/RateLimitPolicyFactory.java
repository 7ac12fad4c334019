package io.portcullis.plugins.ratelimit;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.Tokenizer;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.util.Objects;

/**
 * The {@code rate-limit} policy: requests and tokens per minute, cluster-wide. List it after {@code auth}, so that
 * buckets are per key and keys' own budgets apply.
 */
@Extension
public final class RateLimitPolicyFactory implements PolicyFactory<RateLimitConfig> {

    /** The policy's name, as routes list it. */
    public static final String NAME = "rate-limit";

    private final RateLimiter limiter;
    private final Tokenizer tokenizer;

    /**
     * @param limiter   the cluster's token buckets
     * @param tokenizer counts a request's tokens before the call
     */
    @Inject
    public RateLimitPolicyFactory(RateLimiter limiter, Tokenizer tokenizer) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<RateLimitConfig> configType() {
        return RateLimitConfig.class;
    }

    @Override
    public Policy create(RateLimitConfig config) {
        return new RateLimitPolicy(config == null ? new RateLimitConfig(null, null, null) : config, limiter, tokenizer);
    }
}
