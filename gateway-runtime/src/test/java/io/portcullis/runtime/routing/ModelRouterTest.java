package io.portcullis.runtime.routing;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Usage;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The router against scripted providers, on a manual clock: the waits between attempts move the clock instead of
 * taking time, so that backoff, Retry-After, the breaker's cool-down and the deadline are checked exactly.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelRouterTest {

    private static final String MODELS = """
            providers:
              - { id: a, type: scripted }
              - { id: b, type: scripted }
              - { id: off, type: scripted, enabled: false }
            models:
              - { name: primary, targets: [ { provider: a, model: a-model } ], fallbacks: [ backup ] }
              - { name: backup, targets: [ { provider: b, model: b-model } ] }
              - { name: alone, targets: [ { provider: a, model: a-model } ] }
              - { name: offline, targets: [ { provider: off, model: x } ] }
            prices:
              a-model: { input: 1.0, output: 2.0 }
              b/b-model: { input: 10, output: 20 }
            """;

    /**
     * Upstream model → what the next calls do: {@code ok}, {@code filter} (a content-filter refusal), an HTTP status
     * ({@code 503}, {@code 429:2} with Retry-After 2), {@code timeout}, {@code late} (runs past the deadline),
     * {@code break} (a stream that fails before its first chunk) or {@code break-later} (after it). Once a model's
     * script is used up it answers {@code ok}, or its standing step.
     */
    private final Map<String, Deque<String>> scripts = new HashMap<>();
    private final Map<String, String> standing = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<Duration> pauses = new ArrayList<>();
    private final ManualClock clock = new ManualClock();

    private ModelRouter router = router("routing: { retries: 0 }");

    @Test
    void the_public_name_goes_to_its_target_under_the_upstream_name_and_comes_back_under_the_public_one() {
        Reply reply = router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model");
        assertThat(((Reply.Complete) reply).response().model()).isEqualTo("primary");
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "a");
    }

    @Test
    void a_retryable_failure_falls_back_to_the_next_model_and_both_attempts_are_recorded() {
        script("a-model", "503");
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, record));

        assertThat(calls).containsExactly("a:a-model", "b:b-model");
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "b");
        assertThat(record.attempts()).extracting(RequestRecord.Attempt::toString)
                .containsExactly("a/a-model=error/503", "b/b-model=ok");
        assertThat(record.provider()).isEqualTo("b");
    }

    @Test
    void a_failing_target_is_retried_after_a_jittered_backoff_before_the_fallback() {
        router = router("routing: { retries: 2, backoffMs: 100 }");
        script("a-model", "503", "502", "500");

        router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model", "a:a-model", "a:a-model", "b:b-model");
        assertThat(pauses).hasSize(2);
        assertThat(pauses.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(pauses.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void an_upstream_retry_after_under_the_cap_is_waited_for_and_the_target_answers() {
        router = router("routing: { retries: 1, maxRetryAfterMs: 5000 }");
        script("a-model", "429:2");
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, record));

        assertThat(calls).containsExactly("a:a-model", "a:a-model");
        assertThat(pauses).containsExactly(Duration.ofSeconds(2));
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "a");
        assertThat(record.attempts()).extracting(RequestRecord.Attempt::outcome).containsExactly("rate_limited", "ok");
    }

    @Test
    void a_retry_after_beyond_the_cap_moves_on_to_the_fallback_at_once() {
        router = router("routing: { retries: 3, maxRetryAfterMs: 5000 }");
        script("a-model", "429:60");

        router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model", "b:b-model");
        assertThat(pauses).isEmpty();
    }

    @Test
    void a_timeout_moves_on_without_trying_the_silent_target_again() {
        router = router("routing: { retries: 3 }");
        script("a-model", "timeout");

        router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model", "b:b-model");
    }

    @Test
    void a_client_error_is_not_retried_elsewhere() {
        script("a-model", "400");

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("primary")));

        assertThat(failure.status()).isEqualTo(400);
        assertThat(calls).containsExactly("a:a-model");
    }

    @Test
    void when_every_candidate_fails_the_last_failure_is_reported() {
        script("a-model", "503");
        script("b-model", "429:1");

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("primary")));

        assertThat(failure.status()).isEqualTo(429);
        assertThat(failure.headers()).containsEntry("Retry-After", "1");
        assertThat(calls).containsExactly("a:a-model", "b:b-model");
    }

    @Test
    void the_deadline_bounds_all_retries_together_and_the_answer_is_a_504() {
        router = router("routing: { retries: 50, backoffMs: 400, maxBackoffMs: 400 }");
        standing.put("a-model", "500");
        RequestRecord record = new RequestRecord();
        Instant deadline = clock.instant().plusSeconds(1);

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("alone", deadline).with(RequestRecord.KEY, record)));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.status()).isEqualTo(504);
        assertThat(failure.getMessage()).contains("deadline").contains("'alone'");
        assertThat(clock.instant()).isBeforeOrEqualTo(deadline);
        assertThat(pauses.stream().reduce(Duration.ZERO, Duration::plus)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(calls.size()).isBetween(3, 5);
        assertThat(record.attempts()).hasSize(calls.size());
    }

    @Test
    void a_deadline_that_passes_during_a_call_leaves_no_time_for_the_fallback_and_is_not_held_against_the_target() {
        router = router("routing: { retries: 0, breakerFailures: 1 }");
        script("a-model", "late");

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("primary", clock.instant().plusSeconds(1))));

        assertThat(failure.status()).isEqualTo(504);
        assertThat(calls).containsExactly("a:a-model");
        assertThat(router.circuitState("a/a-model")).isEqualTo("CLOSED");
    }

    @Test
    void the_breaker_opens_after_the_threshold_sends_nothing_while_open_and_a_probe_closes_it() {
        router = router("routing: { retries: 0, breakerFailures: 2, breakerCoolDownMs: 10000 }");
        standing.put("a-model", "500");
        router.answer(exchange("primary"));
        router.answer(exchange("primary"));
        assertThat(router.circuitState("a/a-model")).isEqualTo("OPEN");
        calls.clear();

        RequestRecord whileOpen = new RequestRecord();
        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, whileOpen));

        assertThat(calls).containsExactly("b:b-model");
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "b");
        assertThat(whileOpen.attempts()).extracting(RequestRecord.Attempt::toString)
                .containsExactly("a/a-model=circuit_open", "b/b-model=ok");

        clock.advance(Duration.ofSeconds(10));
        standing.remove("a-model");
        calls.clear();
        Reply probed = router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model");
        assertThat(probed.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "a");
        assertThat(router.circuitState("a/a-model")).isEqualTo("CLOSED");
    }

    @Test
    void a_failed_probe_opens_the_circuit_again() {
        router = router("routing: { retries: 0, breakerFailures: 1, breakerCoolDownMs: 10000 }");
        standing.put("a-model", "500");
        router.answer(exchange("primary"));
        clock.advance(Duration.ofSeconds(10));
        calls.clear();

        router.answer(exchange("primary"));
        router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model", "b:b-model", "b:b-model");
        assertThat(router.circuitState("a/a-model")).isEqualTo("OPEN");
    }

    @Test
    void when_every_circuit_is_open_the_answer_is_a_503_saying_when_to_come_back() {
        router = router("routing: { retries: 0, breakerFailures: 1, breakerCoolDownMs: 10000 }");
        standing.put("a-model", "500");
        catchThrowableOfType(GatewayException.class, () -> router.answer(exchange("alone")));
        calls.clear();
        clock.advance(Duration.ofSeconds(3));

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("alone")));

        assertThat(calls).isEmpty();
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.headers()).containsEntry("Retry-After", "7");
        assertThat(failure.getMessage()).contains("circuit open");
    }

    @Test
    void a_content_filter_refusal_falls_back_and_the_last_refusal_is_the_answer() {
        script("a-model", "filter");
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, record));

        assertThat(calls).containsExactly("a:a-model", "b:b-model");
        assertThat(((Reply.Complete) reply).response().choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(record.attempts()).extracting(RequestRecord.Attempt::outcome)
                .containsExactly("content_filter", "ok");

        script("a-model", "filter");
        script("b-model", "filter");
        Reply refused = router.answer(exchange("primary"));

        assertThat(((Reply.Complete) refused).response().choices().get(0).finishReason())
                .isEqualTo("content_filter");
        assertThat(refused.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "b");
    }

    @Test
    void a_stream_that_fails_before_its_first_chunk_falls_back_and_the_fallbacks_chunks_all_arrive() {
        script("a-model", "break");
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(streaming("primary").with(RequestRecord.KEY, record));

        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "b");
        List<ChatChunk> chunks = drain(((Reply.Streaming) reply).chunks());
        assertThat(chunks).extracting(ChatChunk::model).containsOnly("primary");
        assertThat(text(chunks)).isEqualTo("from b");
        assertThat(record.attempts()).extracting(RequestRecord.Attempt::outcome).containsExactly("error", "ok");
    }

    @Test
    void a_stream_that_fails_after_its_first_chunk_does_not_fall_back() {
        script("a-model", "break-later");

        Reply reply = router.answer(streaming("primary"));
        ChunkStream chunks = ((Reply.Streaming) reply).chunks();

        assertThat(chunks.next()).isPresent();
        assertThat(chunks.next()).isPresent();
        GatewayException failure = catchThrowableOfType(GatewayException.class, chunks::next);
        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(calls).containsExactly("a:a-model");
    }

    @Test
    void a_stream_refused_by_the_content_filter_falls_back_and_the_refused_stream_is_closed() {
        script("a-model", "filter");

        Reply reply = router.answer(streaming("primary"));

        assertThat(closedStreams).containsExactly("a-model");
        assertThat(text(drain(((Reply.Streaming) reply).chunks()))).isEqualTo("from b");
    }

    @Test
    void a_whole_answer_carries_its_cost_from_the_real_usage_and_the_record_has_it() {
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, record));

        // 100 prompt tokens at $1/M and 50 completion tokens at $2/M.
        assertThat(reply.headers()).containsEntry(ModelRouter.COST_HEADER, "0.0002");
        assertThat(record.costUsd()).isEqualTo(0.0002);
    }

    @Test
    void a_provider_specific_price_wins_and_a_streams_cost_is_noted_when_its_usage_passes() {
        script("a-model", "break");
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(streaming("primary").with(RequestRecord.KEY, record));

        assertThat(reply.headers()).doesNotContainKey(ModelRouter.COST_HEADER);
        assertThat(record.costUsd()).isNull();
        drain(((Reply.Streaming) reply).chunks());
        // b/b-model: 100 prompt tokens at $10/M and 50 completion tokens at $20/M.
        assertThat(record.costUsd()).isEqualTo(0.002);
    }

    @Test
    void an_unknown_model_is_404_naming_it() {
        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("gpt-9")));

        assertThat(failure.status()).isEqualTo(404);
        assertThat(failure.param()).isEqualTo("model");
        assertThat(failure.getMessage()).contains("'gpt-9'");
    }

    @Test
    void a_model_whose_provider_is_switched_off_is_503_with_the_reason_and_is_not_listed() {
        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("offline")));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(failure.getMessage()).contains("switched off");
        assertThat(router.availableModels()).extracting(ModelInfo::id).containsExactly("primary", "backup", "alone");
    }

    // ---------------------------------------------------------------------------------------------------------------

    private final List<String> closedStreams = new ArrayList<>();

    private ModelRouter router(String routing) {
        ConfigLoader loader = new ConfigLoader(Map.of());
        GatewayConfig config = loader.parse(MODELS + routing, "test");
        ProviderFactory<Void> scripted = new ProviderFactory<>() {
            @Override
            public String type() {
                return "scripted";
            }

            @Override
            public Class<Void> configType() {
                return Void.class;
            }

            @Override
            public Provider create(String id, Void settings) {
                return new ScriptedProvider(id);
            }
        };
        ProviderRegistry registry = ProviderRegistry.build(config.providers(), Map.of("scripted", scripted), loader,
                "test");
        return new ModelRouter(config, registry, clock, wait -> {
            pauses.add(wait);
            clock.advance(wait);
        }, new SplittableRandom(1));
    }

    private void script(String model, String... steps) {
        scripts.computeIfAbsent(model, m -> new ArrayDeque<>()).addAll(List.of(steps));
    }

    private String nextStep(String model) {
        Deque<String> steps = scripts.get(model);
        String step = steps == null ? null : steps.poll();
        return step != null ? step : standing.getOrDefault(model, "ok");
    }

    private final class ScriptedProvider implements Provider {
        private final String id;

        ScriptedProvider(String id) {
            this.id = id;
        }

        /** Fails as the step says, or returns the finish reason of the answer. */
        private String act(ChatRequest request, CallContext call) {
            calls.add(id + ":" + request.model());
            String step = nextStep(request.model());
            switch (step) {
                case "ok", "break", "break-later" -> {
                    return step;
                }
                case "filter" -> {
                    return "content_filter";
                }
                case "timeout" -> throw new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "scripted silence");
                case "late" -> {
                    clock.advance(Duration.between(clock.instant(), call.deadline()).plusMillis(1));
                    throw new GatewayException(ErrorCode.UPSTREAM_TIMEOUT,
                            "the upstream did not answer before the request's deadline");
                }
                default -> {
                    String[] parts = step.split(":");
                    int status = Integer.parseInt(parts[0]);
                    Map<String, String> headers = parts.length > 1 ? Map.of("Retry-After", parts[1]) : Map.of();
                    throw new GatewayException(status >= 500 ? ErrorCode.UPSTREAM_ERROR : ErrorCode.UPSTREAM_REJECTED,
                            status, "scripted failure " + status, null, headers, null);
                }
            }
        }

        @Override
        public ChatResponse chat(ChatRequest request, CallContext call) {
            String outcome = act(request, call);
            return ChatResponse.ofText("id", 0, request.model(), outcome.equals("ok") ? "from " + id : "",
                    outcome.equals("ok") ? "stop" : outcome, Usage.of(100, 50));
        }

        @Override
        public ChunkStream stream(ChatRequest request, CallContext call) {
            String outcome = act(request, call);
            String model = request.model();
            Iterator<Object> script = switch (outcome) {
                case "break" -> List.<Object>of(new GatewayException(ErrorCode.UPSTREAM_ERROR, "reset")).iterator();
                case "break-later" -> List.<Object>of(role(model), text(model, "from"),
                        new GatewayException(ErrorCode.UPSTREAM_ERROR, "reset")).iterator();
                case "content_filter" -> List.<Object>of(role(model), finish(model, "content_filter")).iterator();
                default -> List.<Object>of(role(model), text(model, "from"), text(model, " " + id),
                        finish(model, "stop"), usage(model)).iterator();
            };
            return new ChunkStream() {
                @Override
                public Optional<ChatChunk> next() {
                    if (!script.hasNext()) {
                        return Optional.empty();
                    }
                    Object next = script.next();
                    if (next instanceof GatewayException failure) {
                        throw failure;
                    }
                    return Optional.of((ChatChunk) next);
                }

                @Override
                public void close() {
                    closedStreams.add(model);
                }
            };
        }

        @Override
        public List<ModelInfo> models() {
            return List.of();
        }
    }

    private static ChatChunk role(String model) {
        return new ChatChunk("c", ChatChunk.OBJECT, 0, model, List.of(new ChatChunk.Choice(0,
                new ChatChunk.Delta("assistant", "", null, null), null, null)), null, null);
    }

    private static ChatChunk text(String model, String text) {
        return ChatChunk.ofText("c", 0, model, text);
    }

    private static ChatChunk finish(String model, String reason) {
        return new ChatChunk("c", ChatChunk.OBJECT, 0, model, List.of(new ChatChunk.Choice(0,
                new ChatChunk.Delta(null, null, null, null), reason, null)), null, null);
    }

    private static ChatChunk usage(String model) {
        return new ChatChunk("c", ChatChunk.OBJECT, 0, model, List.of(), Usage.of(100, 50), null);
    }

    private static List<ChatChunk> drain(ChunkStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        for (Optional<ChatChunk> next = stream.next(); next.isPresent(); next = stream.next()) {
            chunks.add(next.get());
        }
        stream.close();
        return chunks;
    }

    private static String text(List<ChatChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.stream().flatMap(chunk -> chunk.choices().stream())
                .map(choice -> choice.delta().content()).filter(c -> c != null).forEach(text::append);
        return text.toString();
    }

    private Exchange exchange(String model) {
        return exchange(model, clock.instant().plusSeconds(600));
    }

    private Exchange exchange(String model, Instant deadline) {
        return Exchange.of(ChatRequest.of(model, List.of(Message.of("user", "hi"))), "/v1/chat/completions",
                "req-1", deadline, Map.of());
    }

    private Exchange streaming(String model) {
        ChatRequest request = ChatRequest.of(model, List.of(Message.of("user", "hi"))).withStream(true);
        return Exchange.of(request, "/v1/chat/completions", "req-1", clock.instant().plusSeconds(600), Map.of());
    }
}
