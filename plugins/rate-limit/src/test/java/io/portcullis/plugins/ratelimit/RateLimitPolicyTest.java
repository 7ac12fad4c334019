package io.portcullis.plugins.ratelimit;

import io.portcullis.api.context.Principal;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Usage;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.Tokenizer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RateLimitPolicyTest {

    /** One token per character: estimates are easy to compute by hand. */
    private static final Tokenizer CHARACTERS = (model, text) -> text.length();

    private final FrozenRateLimiter limiter = new FrozenRateLimiter();
    private final AtomicInteger calls = new AtomicInteger();

    private static Principal key(String id, String tenant, Long rpm, Long tpm) {
        return new Principal(id, tenant, Set.of("*"), new Principal.Limits(rpm, tpm));
    }

    private static Exchange chat(Principal principal, String model, Integer maxTokens) {
        ChatRequest request = ChatRequest.of(model, List.of(Message.of(Message.USER, "Hello")));
        if (maxTokens != null) {
            request = new ChatRequest(model, request.messages(), null, null, null, maxTokens, null, null, null, null,
                    null, null);
        }
        return Exchange.of(request, "/v1/chat/completions", "r", Instant.now().plusSeconds(60), Map.of())
                .with(principal);
    }

    /** The estimate of {@link #chat} without max_tokens: 3 + (3 + "user" + "Hello") = 15 tokens. */
    private static final long PROMPT = 15;

    private Chain answering(Usage usage) {
        return exchange -> {
            calls.incrementAndGet();
            return new Reply.Complete(ChatResponse.ofText("c", 0, exchange.request().model(), "ok", "stop", usage));
        };
    }

    private RateLimitPolicy policy(Long rpm, Long tpm, RateLimitConfig.Dimension... per) {
        return new RateLimitPolicy(new RateLimitConfig(rpm, tpm, List.of(per)), limiter, CHARACTERS);
    }

    @Test
    void n_requests_per_minute_are_admitted_and_the_next_gets_429_with_retry_after_and_an_honest_message() {
        RateLimitPolicy policy = policy(3L, null);
        Principal alice = key("alice", null, null, null);
        for (int i = 0; i < 3; i++) {
            policy.apply(chat(alice, "mock", null), answering(null));
        }

        GatewayException e = catchThrowableOfType(GatewayException.class,
                () -> policy.apply(chat(alice, "mock", null), answering(null)));

        assertThat(calls).hasValue(3);
        assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.getMessage()).contains("3 requests per minute").contains("Retry after 20s");
        assertThat(e.headers()).containsEntry("Retry-After", "20").containsEntry("x-ratelimit-limit-requests", "3")
                .containsEntry("x-ratelimit-remaining-requests", "0");
    }

    @Test
    void every_admitted_answer_carries_openais_rate_limit_headers() {
        Reply reply = policy(600L, 1000L).apply(chat(key("alice", null, null, null), "mock", null),
                answering(Usage.of((int) PROMPT, 5)));

        assertThat(reply.headers()).containsEntry("x-ratelimit-limit-requests", "600")
                .containsEntry("x-ratelimit-remaining-requests", "599")
                .containsEntry("x-ratelimit-reset-requests", "100ms")
                .containsEntry("x-ratelimit-limit-tokens", "1000")
                .containsEntry("x-ratelimit-remaining-tokens", Long.toString(1000 - PROMPT))
                .containsKey("x-ratelimit-reset-tokens");
    }

    @Test
    void a_keys_own_limits_take_precedence_over_the_policys() {
        RateLimitPolicy policy = policy(100L, null, RateLimitConfig.Dimension.KEY);
        Principal strict = key("strict", null, 1L, null);
        policy.apply(chat(strict, "mock", null), answering(null));

        assertThatThrownBy(() -> policy.apply(chat(strict, "mock", null), answering(null)))
                .isInstanceOf(GatewayException.class).hasMessageContaining("1 requests per minute");
        policy.apply(chat(key("other", null, null, null), "mock", null), answering(null));
        assertThat(calls).hasValue(2);
    }

    @Test
    void tokens_are_estimated_before_the_call_and_reconciled_with_the_real_usage_after_it() {
        RateLimitPolicy policy = policy(null, 1000L);
        Principal alice = key("alice", null, null, null);
        RateLimiter.Limit limit = RateLimiter.Limit.perMinute(1000);

        policy.apply(chat(alice, "mock", 100), answering(Usage.of(15, 40)));

        // Estimated 15 + 100 (max_tokens), then corrected to the 55 really used.
        assertThat(limiter.holding("rate-limit:tokens:key=alice", limit)).isEqualTo(1000 - 55);
    }

    @Test
    void a_streams_usage_from_its_final_chunk_reconciles_the_estimate_when_the_stream_ends() {
        RateLimitPolicy policy = policy(null, 1000L);
        RateLimiter.Limit limit = RateLimiter.Limit.perMinute(1000);
        Deque<ChatChunk> chunks = new ArrayDeque<>(List.of(ChatChunk.ofText("s", 0, "mock", "Hi"),
                new ChatChunk("s", ChatChunk.OBJECT, 0, "mock", List.of(), Usage.of(15, 300), null)));
        ChunkStream stream = new ChunkStream() {
            @Override
            public Optional<ChatChunk> next() {
                return Optional.ofNullable(chunks.poll());
            }

            @Override
            public void close() {
            }
        };

        Reply reply = policy.apply(chat(key("alice", null, null, null), "mock", null),
                exchange -> new Reply.Streaming(stream));
        assertThat(limiter.holding("rate-limit:tokens:key=alice", limit)).isEqualTo(1000 - PROMPT);
        ChunkStream delivered = ((Reply.Streaming) reply).chunks();
        while (delivered.next().isPresent()) {
            // read to the end, as the runtime does
        }

        assertThat(limiter.holding("rate-limit:tokens:key=alice", limit)).isEqualTo(1000 - 315);
        assertThat(reply.headers()).containsEntry("x-ratelimit-limit-tokens", "1000");
    }

    @Test
    void a_request_refused_for_tokens_does_not_spend_a_request() {
        RateLimitPolicy policy = policy(10L, 20L);
        Principal alice = key("alice", null, null, null);
        policy.apply(chat(alice, "mock", null), answering(null));

        GatewayException e = catchThrowableOfType(GatewayException.class,
                () -> policy.apply(chat(alice, "mock", null), answering(null)));

        assertThat(e.getMessage()).contains("20 tokens per minute");
        assertThat(e.headers()).containsKey("Retry-After").containsEntry("x-ratelimit-remaining-tokens", "5");
        assertThat(limiter.holding("rate-limit:requests:key=alice", RateLimiter.Limit.perMinute(10))).isEqualTo(9);
    }

    @Test
    void the_request_and_its_tokens_are_checked_in_one_call_and_the_correction_is_not_awaited() {
        RateLimitPolicy policy = policy(10L, 1000L);

        policy.apply(chat(key("alice", null, null, null), "mock", 100), answering(Usage.of(15, 40)));

        assertThat(limiter.calls).containsExactly("tryConsumeAll", "adjustLater");
        assertThat(limiter.holding("rate-limit:requests:key=alice", RateLimiter.Limit.perMinute(10))).isEqualTo(9);
        assertThat(limiter.holding("rate-limit:tokens:key=alice", RateLimiter.Limit.perMinute(1000)))
                .isEqualTo(1000 - 55);
    }

    @Test
    void a_request_refused_for_requests_takes_no_tokens_and_reports_both_budgets() {
        RateLimitPolicy policy = policy(1L, 1000L);
        Principal alice = key("alice", null, null, null);
        policy.apply(chat(alice, "mock", null), answering(Usage.of(15, 0)));

        GatewayException e = catchThrowableOfType(GatewayException.class,
                () -> policy.apply(chat(alice, "mock", null), answering(null)));

        assertThat(e.getMessage()).contains("1 requests per minute");
        assertThat(e.headers()).containsEntry("x-ratelimit-remaining-requests", "0")
                .containsEntry("x-ratelimit-remaining-tokens", String.valueOf(1000 - 15));
        assertThat(limiter.holding("rate-limit:tokens:key=alice", RateLimiter.Limit.perMinute(1000)))
                .isEqualTo(1000 - 15);
    }

    @Test
    void a_request_larger_than_the_whole_token_budget_gets_400_instead_of_a_retry_that_could_never_work() {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> policy(null, 100L)
                .apply(chat(key("alice", null, null, null), "mock", 500), answering(null)));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("Request too large").contains("100 tokens per minute");
    }

    @Test
    void a_failed_call_gives_its_estimated_tokens_back() {
        RateLimitPolicy policy = policy(null, 1000L);

        assertThatThrownBy(() -> policy.apply(chat(key("alice", null, null, null), "mock", null), exchange -> {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream broke");
        })).hasMessage("upstream broke");
        assertThat(limiter.holding("rate-limit:tokens:key=alice", RateLimiter.Limit.perMinute(1000)))
                .isEqualTo(1000);
    }

    @Test
    void buckets_per_tenant_and_model_are_shared_by_the_tenants_keys_and_separate_per_model() {
        RateLimitPolicy policy = policy(1L, null, RateLimitConfig.Dimension.TENANT, RateLimitConfig.Dimension.MODEL);
        policy.apply(chat(key("alice", "acme", null, null), "mock", null), answering(null));

        assertThatThrownBy(() -> policy.apply(chat(key("bob", "acme", null, null), "mock", null), answering(null)))
                .isInstanceOf(GatewayException.class);
        policy.apply(chat(key("bob", "acme", null, null), "gpt-4o", null), answering(null));
        policy.apply(chat(key("carol", "globex", null, null), "mock", null), answering(null));
        assertThat(limiter.buckets.keySet()).contains("rate-limit:requests:tenant=acme|model=mock@1/PT1M",
                "rate-limit:requests:tenant=acme|model=gpt-4o@1/PT1M",
                "rate-limit:requests:tenant=globex|model=mock@1/PT1M");
    }

    @Test
    void a_caller_with_no_budget_from_key_or_policy_passes_without_headers() {
        Reply reply = policy(null, null, RateLimitConfig.Dimension.KEY)
                .apply(chat(key("alice", null, null, null), "mock", null), answering(null));

        assertThat(reply.headers()).isEmpty();
        assertThat(limiter.buckets).isEmpty();
    }

    @Test
    void the_configuration_refuses_a_policy_that_could_limit_nothing() {
        assertThatThrownBy(() -> new RateLimitConfig(null, null, List.of(RateLimitConfig.Dimension.MODEL)))
                .hasMessageContaining("limit nothing");
        assertThatThrownBy(() -> new RateLimitConfig(0L, null, null)).hasMessageContaining("requestsPerMinute");
    }

    @Test
    void durations_are_written_as_openai_writes_them() {
        assertThat(RateLimitHeaders.duration(java.time.Duration.ofMillis(20))).isEqualTo("20ms");
        assertThat(RateLimitHeaders.duration(java.time.Duration.ofMillis(1500))).isEqualTo("2s");
        assertThat(RateLimitHeaders.duration(java.time.Duration.ofMinutes(6))).isEqualTo("6m0s");
        assertThat(RateLimitHeaders.retryAfter(java.time.Duration.ofMillis(10))).isEqualTo("1");
    }
}
