package io.portcullis.testkit;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.SharedState;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A test policy plugin ({@code budget}) built on the cluster services a plugin receives by injection: it admits a
 * request while the cluster-wide bucket has a token, counts the admitted ones in a shared map, and answers itself
 * ({@code admitted <n>}) without calling a provider; when the bucket is empty it refuses with 429.
 */
public final class BudgetPolicyFactory implements PolicyFactory<BudgetPolicyFactory.Config> {

    static final String COUNTS = "budget.admitted";

    private final RateLimiter limiter;
    private final SharedState state;

    /**
     * @param bucket        the bucket's key
     * @param capacity      requests admitted per period
     * @param periodSeconds the refill period
     */
    public record Config(String bucket, long capacity, long periodSeconds) {
    }

    @Inject
    public BudgetPolicyFactory(RateLimiter limiter, SharedState state, ApiKeys keys) {
        this.limiter = limiter;
        this.state = state;
        Objects.requireNonNull(keys, "ApiKeys is bound for plugins");
    }

    @Override
    public String name() {
        return "budget";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        RateLimiter.Limit limit = new RateLimiter.Limit(config.capacity(), Duration.ofSeconds(config.periodSeconds()));
        SharedState.SharedMap<Long> counts = state.map(COUNTS, Long.class);
        return (exchange, chain) -> {
            RateLimiter.Decision decision = limiter.tryConsume(config.bucket(), 1, limit);
            if (!decision.allowed()) {
                throw new GatewayException(ErrorCode.RATE_LIMITED, 429, "the budget is spent", null,
                        Map.of("Retry-After", String.valueOf(Math.max(1, decision.retryAfter().toSeconds()))), null);
            }
            Long admitted = counts.update(config.bucket(), n -> n == null ? 1 : n + 1, null);
            return new Reply.Complete(ChatResponse.ofText("budget-" + admitted, 0, "budget", "admitted " + admitted,
                    "stop", null));
        };
    }
}
