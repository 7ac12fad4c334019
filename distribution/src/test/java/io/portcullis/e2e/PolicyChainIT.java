package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.PluginJars;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Policies from real plugin JARs, built here from this package's classes, in front of provider-mock: the order they
 * run in both ways, and what a client gets when one of them fails, refuses or breaks the chain's contract.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PolicyChainIT {

    private static final String CHAT = "/v1/chat/completions";

    /** Two marker policies, a and b, and a misbehaving one per way it can misbehave. */
    private static final String POLICIES = """
            policies:
              a: { use: marker, request: " >A", reply: " <A" }
              b: { use: marker, request: " >B", reply: " <B" }
              explode: { use: misbehave, how: throw, message: "secret internals of the policy" }
              explode-open: { use: misbehave, how: throw, failOpen: true }
              twice: { use: misbehave, how: proceed-twice }
              nothing: { use: misbehave, how: return-null }
              deny: { use: misbehave, how: deny, message: "this key may not use model 'mock'" }
              explode-late: { use: misbehave, how: throw-after-proceed }
              deny-late: { use: misbehave, how: deny-after-proceed, message: "the answer is not for you" }
            """;

    @TempDir
    Path plugins;

    private RunningGateway start(String chatPolicies, String embeddingsPolicies) {
        return start(chatPolicies, embeddingsPolicies, """
                providers: [ { id: mock, type: mock, chunks: 4 } ]
                models: [ { name: mock, targets: [ { provider: mock } ] } ]
                """);
    }

    private RunningGateway start(String chatPolicies, String embeddingsPolicies, String providersAndModels) {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.OPENAI);
        PluginJars.plugin("marker-policy", "1.0.0").extension(MarkerPolicyFactory.class)
                .writeTo(plugins.resolve("marker-policy.jar"));
        PluginJars.plugin("misbehaving-policy", "1.0.0").extension(MisbehavingPolicyFactory.class)
                .writeTo(plugins.resolve("misbehaving-policy.jar"));
        return RunningGateway.start(providersAndModels + """
                routes:
                  - { path: /v1/chat/completions, policies: %s }
                  - { path: /v1/embeddings, policies: %s }
                  - { path: /v1/messages, policies: %1$s }
                """.formatted(chatPolicies, embeddingsPolicies) + POLICIES, plugins);
    }

    @Test
    void policies_change_the_request_in_the_configured_order_and_the_reply_in_the_reverse_order() {
        try (RunningGateway gateway = start("[ a, b ]", "[]"); Http http = new Http(gateway)) {
            assertThat(Http.replyText(http.post(CHAT, Http.chat("mock", "hello", false))))
                    .isEqualTo("You said: hello >A >B <B <A");
        }
        try (RunningGateway gateway = start("[ b, a ]", "[]"); Http http = new Http(gateway)) {
            assertThat(Http.replyText(http.post(CHAT, Http.chat("mock", "hello", false))))
                    .isEqualTo("You said: hello >B >A <A <B");
        }
    }

    @Test
    void policies_wrap_a_stream_in_the_same_order() {
        try (RunningGateway gateway = start("[ a, b ]", "[]"); Http http = new Http(gateway)) {
            HttpResponse<String> response = http.post(CHAT, Http.chat("mock", "hello", true));

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/event-stream"));
            List<JsonNode> events = Sse.events(response.body());
            assertThat(events).hasSizeGreaterThan(2);
            assertThat(Sse.text(events)).isEqualTo("You said: hello >A >B <B <A");
            assertThat(events.getLast().path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
            assertThat(response.body()).endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void policies_apply_to_anthropic_messages_exactly_as_to_chat_completions() {
        try (RunningGateway gateway = start("[ a, b ]", "[]"); Http http = new Http(gateway)) {
            HttpResponse<String> whole = http.post(AnthropicIngressIT.MESSAGES,
                    AnthropicIngressIT.messages("mock", "hello", false));
            assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
            assertThat(Http.json(whole).at("/content/0/text").asText())
                    .isEqualTo(Http.replyText(http.post(CHAT, Http.chat("mock", "hello", false))))
                    .isEqualTo("You said: hello >A >B <B <A");

            HttpResponse<String> streamed = http.post(AnthropicIngressIT.MESSAGES,
                    AnthropicIngressIT.messages("mock", "hello", true));
            StringBuilder text = new StringBuilder();
            AnthropicIngressIT.events(streamed.body()).stream().filter(e -> e.name().equals("content_block_delta"))
                    .forEach(e -> text.append(e.data().at("/delta/text").asText()));
            assertThat(text.toString()).isEqualTo("You said: hello >A >B <B <A");
        }
        try (RunningGateway gateway = start("[ deny, a ]", "[]"); Http http = new Http(gateway)) {
            HttpResponse<String> denied = http.post(AnthropicIngressIT.MESSAGES,
                    AnthropicIngressIT.messages("mock", "hello", false));

            JsonNode error = AnthropicIngressIT.assertAnthropicError(denied, 403, "permission_error");
            assertThat(error.path("message").asText()).isEqualTo("this key may not use model 'mock'");
        }
    }

    @Test
    void a_policy_that_throws_fails_the_request_with_a_500_that_names_it_and_keeps_the_connection_usable() {
        try (RunningGateway gateway = start("[ a, explode, b ]", "[]"); Http http = new Http(gateway)) {
            for (boolean stream : List.of(false, true)) {
                HttpResponse<String> response = http.post(CHAT, Http.chat("mock", "hello", stream));

                JsonNode error = Http.assertOpenAiError(response, 500);
                assertThat(error.path("message").asText())
                        .contains("'explode'")
                        .contains(response.headers().firstValue("x-request-id").orElseThrow())
                        .doesNotContain("secret internals");
                assertThat(error.path("type").asText()).isEqualTo("server_error");
                assertThat(error.path("code").asText()).isEqualTo("internal");
            }
            // The same client, after two failures: the connection was answered in full, not reset or left hanging.
            assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_fail_open_policy_that_throws_is_skipped_and_the_others_still_apply() {
        try (RunningGateway gateway = start("[ a, explode-open, b ]", "[]"); Http http = new Http(gateway)) {
            assertThat(Http.replyText(http.post(CHAT, Http.chat("mock", "hello", false))))
                    .isEqualTo("You said: hello >A >B <B <A");

            HttpResponse<String> streamed = http.post(CHAT, Http.chat("mock", "hello", true));
            assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
            assertThat(Sse.text(Sse.events(streamed.body()))).isEqualTo("You said: hello >A >B <B <A");

            assertThat(http.get("/metrics").body())
                    .containsPattern("portcullis_policy_skipped_total\\{policy=\"explode-open\"} 2\\.0");
        }
    }

    @Test
    void a_policy_that_calls_proceed_twice_fails_the_request_with_a_500_that_names_it() {
        try (RunningGateway gateway = start("[ a, twice ]", "[]"); Http http = new Http(gateway)) {
            for (boolean stream : List.of(false, true)) {
                HttpResponse<String> response = http.post(CHAT, Http.chat("mock", "hello", stream));

                JsonNode error = Http.assertOpenAiError(response, 500);
                assertThat(error.path("message").asText()).contains("'twice'").doesNotContain("not sent upstream");
                assertThat(error.path("code").asText()).isEqualTo("internal");
            }
        }
    }

    @Test
    void a_policy_that_returns_no_reply_fails_the_request_with_a_500_that_names_it_and_not_the_policy_before_it() {
        try (RunningGateway gateway = start("[ a, nothing ]", "[]"); Http http = new Http(gateway)) {
            for (boolean stream : List.of(false, true)) {
                HttpResponse<String> response = http.post(CHAT, Http.chat("mock", "hello", stream));

                JsonNode error = Http.assertOpenAiError(response, 500);
                assertThat(error.path("message").asText()).contains("'nothing'").doesNotContain("'a'");
            }
        }
    }

    @Test
    void a_policy_that_denies_answers_403_with_its_own_message_and_the_request_goes_no_further() {
        try (RunningGateway gateway = start("[ deny, a ]", "[]"); Http http = new Http(gateway)) {
            HttpResponse<String> response = http.post(CHAT, Http.chat("mock", "hello", false));

            JsonNode error = Http.assertOpenAiError(response, 403);
            assertThat(error.path("message").asText()).isEqualTo("this key may not use model 'mock'");
            assertThat(error.path("type").asText()).isEqualTo("permission_error");
            assertThat(error.path("code").asText()).isEqualTo("permission_denied");
            assertThat(response.headers().firstValue("x-portcullis-provider")).isEmpty();
        }
    }

    @Test
    void a_route_with_a_policy_no_plugin_provides_answers_503_while_the_other_route_serves() {
        try (RunningGateway gateway = start("[ a ]", "[ not-installed ]"); Http http = new Http(gateway)) {
            HttpResponse<String> embeddings = http.post("/v1/embeddings", """
                    {"model":"mock","input":"hello"}""");

            JsonNode error = Http.assertOpenAiError(embeddings, 503);
            assertThat(error.path("message").asText())
                    .contains("/v1/embeddings")
                    .contains("'not-installed'")
                    .contains("not provided by any loaded plugin");

            assertThat(Http.replyText(http.post(CHAT, Http.chat("mock", "hello", false))))
                    .isEqualTo("You said: hello >A <A");

            HttpResponse<String> ready = http.get("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            List<String> problems = new ArrayList<>();
            Http.json(ready).path("problems").forEach(problem -> problems.add(problem.asText()));
            assertThat(problems).anySatisfy(problem -> assertThat(problem).contains("'not-installed'"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"explode-late, 500", "twice, 500", "nothing, 500", "deny-late, 403"})
    void a_stream_that_a_failing_policy_received_and_did_not_return_is_closed_upstream(String policy, int status) {
        OpenAiSimulator.Gate shut = new OpenAiSimulator.Gate();
        try (OpenAiSimulator simulator = OpenAiSimulator.start();
             RunningGateway gateway = start("[ a, %s ]".formatted(policy), "[]", """
                     providers: [ { id: openai, type: openai, baseUrl: "%s" } ]
                     models: [ { name: gpt-4o-mini, targets: [ { provider: openai } ] } ]
                     """.formatted(simulator.baseUrl()));
             Http http = new Http(gateway)) {
            // The upstream holds its second chunk back until someone closes the stream: only the gateway can.
            simulator.gateStreams(shut).script(Script.reply("an answer no one will read").inChunks(4));

            HttpResponse<String> response = http.post(CHAT, Http.chat("gpt-4o-mini", "hello", true));

            Http.assertOpenAiError(response, status);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(simulator.closedEarly()).isEqualTo(1);
                assertThat(simulator.openStreams()).isZero();
            });
        } finally {
            shut.open();
        }
    }
}
