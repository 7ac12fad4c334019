package io.portcullis.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Model routing through a real gateway: provider-openai loaded from its JAR in front of two OpenAI simulators, a
 * primary that misbehaves as scripted and a fallback that answers; the official OpenAI SDK as the client. Every test
 * starts its own gateway, so that no circuit breaker carries state from one test to the next.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RoutingFailoverIT {

    private static final String FALLBACK_ANSWER = "the fallback answers";

    @TempDir
    Path plugins;

    private final Logger accessLogger = (Logger) LoggerFactory.getLogger("portcullis.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final AtomicInteger ids = new AtomicInteger();
    private OpenAiSimulator primary;
    private OpenAiSimulator fallback;
    private RunningGateway gateway;
    private OpenAIClient client;

    @BeforeEach
    void start() {
        lines.start();
        accessLogger.addAppender(lines);
        primary = OpenAiSimulator.start();
        fallback = OpenAiSimulator.start();
        fallback.script(Script.reply(FALLBACK_ANSWER));
        BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI);
    }

    @AfterEach
    void stop() throws Exception {
        Clients.closeAll(client, gateway);
        primary.close();
        fallback.close();
        accessLogger.detachAppender(lines);
        lines.stop();
    }

    /** Starts the gateway: model {@code gpt-4o-mini} on the primary, falling back to {@code backup} on the other. */
    private void gateway(String routing) {
        gateway = RunningGateway.start("""
                providers:
                  - { id: primary, type: openai, baseUrl: "%s", readTimeoutMs: 500 }
                  - { id: fallback, type: openai, baseUrl: "%s" }
                models:
                  - { name: gpt-4o-mini, targets: [ { provider: primary, model: gpt-4o-mini } ], fallbacks: [ backup ] }
                  - { name: backup, targets: [ { provider: fallback, model: gpt-4o } ] }
                  - { name: alone, targets: [ { provider: primary, model: gpt-4o-mini } ] }
                  - name: split
                    targets: [ { provider: primary, model: gpt-4o-mini, weight: 3 }, { provider: fallback, model: gpt-4o, weight: 1 } ]
                prices:
                  gpt-4o-mini: { input: 0.15, output: 0.6 }
                  gpt-4o: { input: 2.5, output: 10 }
                %s
                """.formatted(primary.baseUrl(), fallback.baseUrl(), routing), plugins);
        client = OpenAiSdkIT.sdk(gateway);
    }

    @Test
    void a_primary_that_answers_500_is_retried_once_then_the_client_gets_the_fallbacks_answer() {
        gateway("routing: { retries: 1, backoffMs: 10 }");
        primary.script(Script.error(500, "The server had an error while processing your request."));

        Answer answer = ask("gpt-4o-mini");

        assertThat(answer.text()).isEqualTo(FALLBACK_ANSWER);
        assertThat(answer.provider()).isEqualTo("fallback");
        assertThat(answer.completion().model()).isEqualTo("gpt-4o-mini");
        assertThat(primary.requests()).hasSize(2);
        assertThat(fallback.lastRequest().body().path("model").asText()).isEqualTo("gpt-4o");
        JsonNode line = accessLine(answer.requestId());
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("provider").asText()).isEqualTo("fallback");
        assertThat(attempts(line)).containsExactly("primary/gpt-4o-mini=error/502", "primary/gpt-4o-mini=error/502",
                "fallback/gpt-4o=ok");
        assertThat(line.path("attempts").get(0).path("ms").asDouble()).isPositive();
    }

    @Test
    void a_429_whose_retry_after_is_beyond_the_cap_goes_to_the_fallback_at_once() {
        gateway("routing: { retries: 3, maxRetryAfterMs: 2000 }");
        primary.script(Script.error(429, "Rate limit reached for requests").withHeader("Retry-After", "30"));

        Answer answer = ask("gpt-4o-mini");

        assertThat(answer.text()).isEqualTo(FALLBACK_ANSWER);
        assertThat(primary.requests()).hasSize(1);
        assertThat(attempts(accessLine(answer.requestId())))
                .containsExactly("primary/gpt-4o-mini=rate_limited/429", "fallback/gpt-4o=ok");
    }

    @Test
    void a_429_whose_retry_after_is_under_the_cap_is_waited_for_and_the_primary_answers() {
        gateway("routing: { retries: 1, maxRetryAfterMs: 5000 }");
        primary.scriptNext(Script.error(429, "Rate limit reached for requests").withHeader("Retry-After", "1"));
        long started = System.nanoTime();

        Answer answer = ask("gpt-4o-mini");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(answer.provider()).isEqualTo("primary");
        assertThat(answer.text()).startsWith("echo: ");
        assertThat(fallback.requests()).isEmpty();
        assertThat(attempts(accessLine(answer.requestId())))
                .containsExactly("primary/gpt-4o-mini=rate_limited/429", "primary/gpt-4o-mini=ok");
    }

    @Test
    void a_primary_that_hangs_times_out_and_the_client_gets_the_fallbacks_answer() {
        gateway("routing: { retries: 2 }");
        primary.script(Script.hang());

        Answer answer = ask("gpt-4o-mini");

        assertThat(answer.text()).isEqualTo(FALLBACK_ANSWER);
        assertThat(primary.requests()).as("a timeout is not retried on the silent target").hasSize(1);
        assertThat(attempts(accessLine(answer.requestId())))
                .containsExactly("primary/gpt-4o-mini=timeout/504", "fallback/gpt-4o=ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> primary.closedEarly() == 1);
    }

    @Test
    void a_primary_that_resets_the_connection_mid_body_is_fallen_back_from() {
        gateway("routing: { retries: 0 }");
        primary.script(Script.reply("a long answer that never arrives whole").resetAfterChunks(0));

        Answer answer = ask("gpt-4o-mini");

        assertThat(answer.text()).isEqualTo(FALLBACK_ANSWER);
        assertThat(attempts(accessLine(answer.requestId())))
                .containsExactly("primary/gpt-4o-mini=error/502", "fallback/gpt-4o=ok");
    }

    @Test
    void a_content_filter_refusal_is_fallen_back_from() {
        gateway("routing: { retries: 0 }");
        primary.script(Script.contentFilter());

        Answer answer = ask("gpt-4o-mini");

        assertThat(answer.text()).isEqualTo(FALLBACK_ANSWER);
        assertThat(attempts(accessLine(answer.requestId())))
                .containsExactly("primary/gpt-4o-mini=content_filter/200", "fallback/gpt-4o=ok");
    }

    @Test
    void the_circuit_opens_after_the_threshold_no_traffic_goes_to_the_primary_and_a_probe_closes_it_on_recovery() {
        gateway("routing: { retries: 0, breakerFailures: 2, breakerCoolDownMs: 500 }");
        primary.script(Script.error(503, "The engine is currently overloaded."));
        ask("gpt-4o-mini");
        ask("gpt-4o-mini");
        assertThat(primary.requests()).hasSize(2);

        Answer whileOpen = ask("gpt-4o-mini");
        Answer stillOpen = ask("gpt-4o-mini");

        assertThat(primary.requests()).as("nothing reaches an open circuit's target").hasSize(2);
        assertThat(whileOpen.provider()).isEqualTo("fallback");
        assertThat(stillOpen.provider()).isEqualTo("fallback");
        assertThat(attempts(accessLine(whileOpen.requestId())))
                .containsExactly("primary/gpt-4o-mini=circuit_open", "fallback/gpt-4o=ok");

        primary.script(Script.echo());
        // After the cool-down, one request probes the primary; its success closes the circuit.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> ask("gpt-4o-mini").provider().equals("primary"));
        assertThat(primary.requests()).hasSize(3);
        assertThat(ask("gpt-4o-mini").provider()).isEqualTo("primary");
        assertThat(ask("gpt-4o-mini").provider()).isEqualTo("primary");
    }

    @Test
    void the_deadline_bounds_every_retry_together_and_the_client_gets_a_504() {
        // The breaker would end the retries before the deadline does: keep it out of this test.
        gateway("routing: { retries: 50, backoffMs: 200, maxBackoffMs: 200, breakerFailures: 0 }");
        primary.script(Script.error(500, "The server had an error while processing your request."));
        long started = System.nanoTime();

        try (Http http = new Http(gateway)) {
            HttpResponse<String> response = http.send(http.request("/v1/chat/completions")
                    .header("Content-Type", "application/json")
                    .header("x-portcullis-timeout-ms", "1000")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("alone", "hello", false))).build());

            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(response.statusCode()).isEqualTo(504);
            JsonNode error = parse(response.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
            assertThat(error.path("message").asText()).contains("deadline");
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(primary.requests().size()).isBetween(2, 11);
        }
    }

    @Test
    void a_hanging_primary_without_fallback_ends_at_the_deadline_with_a_504_and_the_upstream_call_is_abandoned() {
        gateway("routing: { retries: 0 }");
        primary.script(Script.hang());

        try (Http http = new Http(gateway)) {
            HttpResponse<String> response = http.send(http.request("/v1/chat/completions")
                    .header("Content-Type", "application/json")
                    .header("x-portcullis-timeout-ms", "300")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("alone", "hello", false))).build());

            assertThat(response.statusCode()).isEqualTo(504);
            await().atMost(Duration.ofSeconds(10)).until(() -> primary.closedEarly() == 1);
        }
    }

    @Test
    void a_stream_falls_back_when_the_primary_breaks_before_its_first_chunk() {
        gateway("routing: { retries: 0 }");
        primary.script(Script.reply("never seen").inChunks(3).resetAfterChunks(0));

        try (HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client.withRawResponse().chat()
                .completions().createStreaming(params("gpt-4o-mini"));
             StreamResponse<ChatCompletionChunk> stream = response.parse()) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();

            assertThat(Sse.textOf(chunks)).isEqualTo(FALLBACK_ANSWER);
            assertThat(chunks).map(ChatCompletionChunk::model).containsOnly("gpt-4o-mini");
            assertThat(response.headers().values("x-portcullis-provider")).containsExactly("fallback");
            assertThat(response.headers().values("x-portcullis-cost")).as("a stream's cost is known at its end")
                    .isEmpty();
            JsonNode line = accessLine(response.requestId().orElseThrow());
            assertThat(attempts(line)).containsExactly("primary/gpt-4o-mini=error/502", "fallback/gpt-4o=ok");
            assertThat(line.path("cost_usd").asDouble()).isPositive();
        }
    }

    @Test
    void a_stream_that_breaks_after_its_first_chunk_reached_the_client_does_not_fall_back() {
        gateway("routing: { retries: 0 }");
        primary.script(Script.reply("one two three four").inChunks(4).resetAfterChunks(2));

        try (Http http = new Http(gateway)) {
            HttpResponse<String> response = http.send(http.request("/v1/chat/completions")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("gpt-4o-mini", "count", true))).build());

            assertThat(response.statusCode()).isEqualTo(200);
            List<JsonNode> events = Sse.events(response.body());
            String received = Sse.text(events);
            assertThat(received).isNotEmpty().isNotEqualTo("one two three four");
            assertThat("one two three four").startsWith(received);
            assertThat(events).anySatisfy(event -> assertThat(event.has("error")).isTrue());
            assertThat(fallback.requests()).isEmpty();
        }
    }

    @Test
    void a_whole_answer_carries_its_cost_from_the_real_usage_in_a_header_and_the_access_log() {
        gateway("routing: { retries: 0 }");

        Answer answer = ask("gpt-4o-mini");

        long prompt = answer.completion().usage().orElseThrow().promptTokens();
        long completion = answer.completion().usage().orElseThrow().completionTokens();
        BigDecimal expected = BigDecimal.valueOf((prompt * 0.15 + completion * 0.6) / 1_000_000);
        assertThat(new BigDecimal(answer.cost())).isEqualByComparingTo(expected.setScale(10,
                java.math.RoundingMode.HALF_UP));
        assertThat(accessLine(answer.requestId()).path("cost_usd").asDouble())
                .isCloseTo(expected.doubleValue(), within(1e-12));
    }

    @Test
    void the_weighted_split_is_within_five_percent_over_2000_requests() throws Exception {
        gateway("routing: { retries: 0 }");
        int requests = 2000;

        try (Http http = new Http(gateway);
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                statuses.add(clients.submit(() -> http.post("/v1/chat/completions", Http.chat("split", "hi", false))
                        .statusCode()));
            }
            for (Future<Integer> status : statuses) {
                assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            }
        }

        assertThat(primary.requests().size() + fallback.requests().size()).isEqualTo(requests);
        assertThat(primary.requests().size() / (double) requests).isCloseTo(0.75, within(0.05));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private record Answer(ChatCompletion completion, String provider, String cost, String requestId) {
        String text() {
            return completion.choices().get(0).message().content().orElse("");
        }
    }

    private ChatCompletionCreateParams params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Where is my answer?")
                .putAdditionalHeader("x-request-id", "routing-" + ids.incrementAndGet()).build();
    }

    private Answer ask(String model) {
        ChatCompletionCreateParams params = params(model);
        try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions().create(params)) {
            return new Answer(response.parse(), response.headers().values("x-portcullis-provider").stream()
                    .findFirst().orElse(null), response.headers().values("x-portcullis-cost").stream().findFirst()
                    .orElse(null), response.requestId().orElseThrow());
        }
    }

    private JsonNode accessLine(String requestId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.stream()
                .map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains("\"" + requestId + "\""))
                .findFirst().map(RoutingFailoverIT::parse).orElse(null), line -> line != null);
    }

    private static JsonNode parse(String line) {
        try {
            return Http.JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The attempts of an access-log line in their short form: {@code primary/gpt-4o-mini=error/502}. */
    private static List<String> attempts(JsonNode line) {
        return StreamSupport.stream(line.path("attempts").spliterator(), false)
                .map(a -> a.path("target").asText() + "=" + a.path("outcome").asText()
                        + (a.path("status").asInt() == 0 || a.path("outcome").asText().equals("ok") ? ""
                        : "/" + a.path("status").asInt()))
                .toList();
    }
}
