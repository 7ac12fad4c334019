package io.portcullis.plugins.ratelimit;

import io.portcullis.api.context.Principal;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.GatewayRequest;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Admits a request when its bucket has a request and the tokens it is estimated to use, and reconciles the estimate
 * with the usage the upstream reports (for a stream, from its final chunk) once the reply ends.
 *
 * <p>The estimate is the prompt as the {@link Tokenizer} counts it plus the completion's ceiling
 * ({@code max_completion_tokens} or {@code max_tokens}) when the client set one, as OpenAI counts it. The request and
 * its tokens are checked in one {@link RateLimiter#tryConsumeAll} call (one network round trip at most), and the
 * correction after the answer is sent without waiting ({@link RateLimiter#adjustLater}).
 */
final class RateLimitPolicy implements Policy {

    private static final String REQUESTS = "requests";
    private static final String TOKENS = "tokens";

    private final RateLimitConfig config;
    private final RateLimiter limiter;
    private final Tokenizer tokenizer;

    RateLimitPolicy(RateLimitConfig config, RateLimiter limiter, Tokenizer tokenizer) {
        this.config = config;
        this.limiter = limiter;
        this.tokenizer = tokenizer;
    }

    @Override
    public Reply apply(Exchange exchange, Chain chain) {
        Principal principal = exchange.principal();
        Long rpm = budget(principal.limits().requestsPerMinute(), config.requestsPerMinute());
        Long tpm = budget(principal.limits().tokensPerMinute(), config.tokensPerMinute());
        if (rpm == null && tpm == null) {
            return chain.proceed(exchange);
        }
        String bucket = bucket(exchange);
        RateLimiter.Limit tokensLimit = tpm == null ? null : RateLimiter.Limit.perMinute(tpm);
        String tokensKey = "rate-limit:tokens:" + bucket;
        long estimate = Math.max(1, estimate(exchange.request()));
        if (tpm != null && estimate > tpm) {
            throw new GatewayException(ErrorCode.INVALID_REQUEST, "Request too large: it needs about " + estimate
                    + " tokens (prompt and max_tokens), more than the limit of " + tpm
                    + " tokens per minute. Shorten the prompt or lower max_tokens.");
        }

        // The request and its tokens in one call, all or nothing: one round trip, and a request refused for its
        // tokens does not count against the request budget.
        List<Check> checks = new ArrayList<>(2);
        if (rpm != null) {
            checks.add(new Check(REQUESTS, rpm,
                    new RateLimiter.Take("rate-limit:requests:" + bucket, 1, RateLimiter.Limit.perMinute(rpm))));
        }
        if (tpm != null) {
            checks.add(new Check(TOKENS, tpm, new RateLimiter.Take(tokensKey, estimate, tokensLimit)));
        }
        RateLimiter.Decisions decisions = limiter.tryConsumeAll(checks.stream().map(Check::take).toList());
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < checks.size(); i++) {
            headers.putAll(RateLimitHeaders.of(checks.get(i).kind(), checks.get(i).limit(), decisions.get(i)));
        }
        Optional<Integer> limiting = decisions.limiting();
        if (limiting.isPresent()) {
            Check check = checks.get(limiting.get());
            throw tooMany(check.kind() + " per minute", check.limit(), decisions.get(limiting.get()), headers);
        }

        Reply reply;
        try {
            reply = chain.proceed(exchange);
        } catch (RuntimeException e) {
            // Nothing was generated: the tokens were never used.
            if (tokensLimit != null) {
                limiter.adjustLater(tokensKey, -estimate, tokensLimit);
            }
            throw e;
        }
        if (tokensLimit != null) {
            reply = reply.onComplete(done -> {
                if (done.usage() != null) {
                    long delta = done.usage().totalTokens() - estimate;
                    if (delta != 0) {
                        // Not awaited: the correction must not delay the end of the answer.
                        limiter.adjustLater(tokensKey, delta, tokensLimit);
                    }
                }
            });
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            reply = reply.withHeader(header.getKey(), header.getValue());
        }
        return reply;
    }

    /** @return the key's own budget when buckets are per key and it has one, else the configured one */
    private Long budget(Long own, Long configured) {
        return own != null && config.per().contains(RateLimitConfig.Dimension.KEY) ? own : configured;
    }

    /** @return the bucket's name: the values of the configured dimensions, {@code key=demo|model=gpt-4o} */
    private String bucket(Exchange exchange) {
        Principal principal = exchange.principal();
        return config.per().stream().map(dimension -> switch (dimension) {
            case KEY -> "key=" + principal.id();
            case TENANT -> principal.tenant() == null ? "tenant=key:" + principal.id() : "tenant=" + principal.tenant();
            case MODEL -> "model=" + exchange.request().model();
        }).collect(Collectors.joining("|"));
    }

    private long estimate(GatewayRequest request) {
        if (request instanceof ChatRequest chat) {
            Integer ceiling = chat.maxCompletionTokens() != null ? chat.maxCompletionTokens() : chat.maxTokens();
            return tokenizer.countPrompt(chat) + (ceiling == null ? 0 : Math.max(0, ceiling));
        }
        if (request instanceof EmbeddingRequest embeddings && embeddings.input() != null) {
            return embeddings.input().stream().mapToLong(text -> tokenizer.count(request.model(), text)).sum();
        }
        return 0;
    }

    /** One budget the request is checked against: what it counts, its per-minute limit, and what it takes. */
    private record Check(String kind, long limit, RateLimiter.Take take) {
    }

    private static GatewayException tooMany(String what, long limit, RateLimiter.Decision decision,
                                            Map<String, String> headers) {
        Map<String, String> answer = new LinkedHashMap<>(headers);
        String retryAfter = RateLimitHeaders.retryAfter(decision.retryAfter());
        answer.put("Retry-After", retryAfter);
        return new GatewayException(ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED.status(),
                "Rate limit reached: " + limit + " " + what + ". Retry after " + retryAfter + "s.", null, answer,
                null);
    }
}
