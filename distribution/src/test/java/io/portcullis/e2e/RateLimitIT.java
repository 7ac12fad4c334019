package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The rate-limit plugin's JAR behind auth in a real gateway: OpenAI's headers on every answer (the SDK's raw
 * response), a 429 that the SDK recognises, with Retry-After and an OpenAI error body, and a stream's real usage
 * reconciled with its estimate when it ends.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitIT {

    private RunningGateway gateway;
    private Http http;

    @BeforeAll
    void start(@TempDir Path plugins) {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.AUTH, BuiltPlugins.RATE_LIMIT);
        // Per hour in effect: 2 requests a minute refill one every 30 s, far longer than the test takes.
        gateway = RunningGateway.start("""
                providers: [ { id: mock, type: mock, chunks: 3 } ]
                models: [ { name: mock, targets: [ { provider: mock } ] } ]
                routes:
                  - { path: /v1/chat/completions, policies: [ auth, rate-limit ] }
                policies:
                  auth:
                    keys:
                      - { id: roomy, key: sk-roomy }
                      - { id: two-a-minute, key: sk-two, requestsPerMinute: 2 }
                      - { id: streamer, key: sk-streamer, tokensPerMinute: 60 }
                  rate-limit: { requestsPerMinute: 600, tokensPerMinute: 1000000 }
                """, plugins);
        http = new Http(gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Clients.closeAll(http, gateway);
    }

    @Test
    void every_answer_carries_openais_rate_limit_headers() {
        OpenAIClient client = Clients.openAi(gateway, "sk-roomy");
        try (HttpResponseFor<ChatCompletion> first = client.withRawResponse().chat().completions()
                .create(OpenAiSdkIT.chat("mock", "Hello"));
             HttpResponseFor<ChatCompletion> second = client.withRawResponse().chat().completions()
                .create(OpenAiSdkIT.chat("mock", "Hello"))) {
            assertThat(first.headers().values("x-ratelimit-limit-requests")).containsExactly("600");
            assertThat(first.headers().values("x-ratelimit-limit-tokens")).containsExactly("1000000");
            assertThat(first.headers().values("x-ratelimit-reset-requests")).singleElement().asString()
                    .matches("\\d+(ms|s)");
            // Buckets refill continuously (10 requests a second here), so only the bounds are exact.
            assertThat(Integer.parseInt(first.headers().values("x-ratelimit-remaining-requests").get(0)))
                    .isBetween(0, 599);
            assertThat(second.headers().values("x-ratelimit-remaining-requests")).hasSize(1);
            assertThat(first.headers().values("x-ratelimit-remaining-tokens")).singleElement().asString()
                    .matches("\\d+");
        } finally {
            client.close();
        }
    }

    @Test
    void over_its_own_budget_a_key_gets_a_429_with_retry_after_that_the_sdk_recognises() {
        OpenAIClient client = Clients.openAi(gateway, "sk-two");
        try {
            client.chat().completions().create(OpenAiSdkIT.chat("mock", "one"));
            client.chat().completions().create(OpenAiSdkIT.chat("mock", "two"));
            RateLimitException e = catchThrowableOfType(RateLimitException.class,
                    () -> client.chat().completions().create(OpenAiSdkIT.chat("mock", "three")));
            assertThat(e.statusCode()).isEqualTo(429);
        } finally {
            client.close();
        }
        HttpResponse<String> refused = http.send(http.request("/v1/chat/completions")
                .header("Content-Type", "application/json").header("Authorization", "Bearer sk-two")
                .POST(HttpRequest.BodyPublishers.ofString(Http.chat("mock", "four", false))).build());
        JsonNode error = Http.assertOpenAiError(refused, 429);
        assertThat(error.path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.path("message").asText()).contains("2 requests per minute");
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(
                seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 30));
        assertThat(refused.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
    }

    @Test
    void a_streams_usage_is_reconciled_with_its_estimate_when_it_ends() {
        OpenAIClient client = Clients.openAi(gateway, "sk-streamer");
        try {
            long before;
            long start = System.nanoTime();
            try (HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client.withRawResponse().chat()
                    .completions().createStreaming(OpenAiSdkIT.chat("mock", "count my tokens, all of them"));
                 StreamResponse<ChatCompletionChunk> stream = response.parse()) {
                before = Long.parseLong(response.headers().values("x-ratelimit-remaining-tokens").get(0));
                assertThat(stream.stream().count()).isPositive();
            }
            // The estimate covered the prompt only; the completion's tokens are taken once the stream has ended.
            try (HttpResponseFor<ChatCompletion> next = client.withRawResponse().chat().completions()
                    .create(OpenAiSdkIT.chat("mock", "count my tokens, all of them"))) {
                ChatCompletion completion = next.parse();
                long after = Long.parseLong(next.headers().values("x-ratelimit-remaining-tokens").get(0));
                long prompt = completion.usage().orElseThrow().promptTokens();
                long completionTokens = completion.usage().orElseThrow().completionTokens();
                // 60 tokens a minute refill one a second while the test runs: that much slack, no more.
                long refilled = Duration.ofNanos(System.nanoTime() - start).toSeconds() + 1;
                assertThat(completionTokens).isGreaterThan(refilled);
                assertThat(before - after).isBetween(completionTokens + prompt - refilled, completionTokens + prompt);
            }
        } finally {
            client.close();
        }
    }
}
