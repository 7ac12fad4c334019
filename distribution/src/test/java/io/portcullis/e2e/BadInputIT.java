package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a client that sends something wrong gets back, byte for byte under its control: always OpenAI's error object
 * with an honest status, the field at fault, a JSON content type and a request id, and nothing of the gateway's
 * insides. The gateway keeps serving afterwards. An upstream's failures (through provider-openai and the OpenAI
 * simulator) get the honest 4xx or 5xx of their kind.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BadInputIT {

    private static final String CHAT = "/v1/chat/completions";
    private static final int MAX_BODY_BYTES = 2048;
    private static final int READ_TIMEOUT_MS = 400;
    private static final String API_KEY = "sk-never-shown";

    @TempDir
    static Path plugins;

    private static OpenAiSimulator simulator;
    private static RunningGateway gateway;
    private static Http http;

    @BeforeAll
    static void start() throws IOException {
        simulator = OpenAiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.OPENAI);
        gateway = RunningGateway.start("""
                server: { maxBodyBytes: %d }
                providers:
                  - { id: mock, type: mock }
                  - { id: openai, type: openai, baseUrl: "%s", apiKey: %s, readTimeoutMs: %d }
                  - { id: nowhere, type: openai, baseUrl: "http://127.0.0.1:%d/v1", apiKey: %s }
                models:
                  - { name: mock, targets: [ { provider: mock } ] }
                  - { name: gpt-4o-mini, targets: [ { provider: openai } ] }
                  - { name: unreachable, targets: [ { provider: nowhere } ] }
                # One call per request, each failure as it is: retries and breakers are RoutingFailoverIT's subject.
                routing: { retries: 0, breakerFailures: 0 }
                """.formatted(MAX_BODY_BYTES, simulator.baseUrl(), API_KEY, READ_TIMEOUT_MS, closedPort(), API_KEY),
                plugins);
        http = new Http(gateway);
    }

    @AfterEach
    void resetTheSimulator() {
        simulator.reset();
    }

    @AfterAll
    static void stop() throws Exception {
        Clients.closeAll(http, gateway, simulator);
    }

    /** A loopback port nothing listens on: one the system just gave out and took back. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void malformed_json_is_a_400_that_says_where() {
        JsonNode error = Http.assertOpenAiError(http.post(CHAT, "{\"model\":\"mock\",\"messages\":[{\"role\":"), 400);

        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_request");
        assertThat(error.path("message").asText()).containsIgnoringCase("JSON").contains("line 1");
    }

    @Test
    void a_body_that_is_not_an_object_is_a_400() {
        JsonNode error = Http.assertOpenAiError(http.post(CHAT, "[1,2,3]"), 400);

        assertThat(error.path("message").asText()).contains("expected a JSON object");
    }

    @Test
    void a_wrong_type_is_a_400_naming_the_field() {
        JsonNode temperature = Http.assertOpenAiError(http.post(CHAT, """
                {"model":"mock","temperature":"hot","messages":[{"role":"user","content":"hi"}]}"""), 400);
        assertThat(temperature.path("param").asText()).isEqualTo("temperature");
        assertThat(temperature.path("message").asText()).contains("temperature").contains("number");

        JsonNode content = Http.assertOpenAiError(http.post(CHAT, """
                {"model":"mock","messages":[{"role":"user","content":42}]}"""), 400);
        assertThat(content.path("param").asText()).isEqualTo("messages[0].content");
        assertThat(content.path("message").asText()).contains("messages[0].content");

        JsonNode messages = Http.assertOpenAiError(http.post(CHAT, """
                {"model":"mock","messages":"hi"}"""), 400);
        assertThat(messages.path("param").asText()).isEqualTo("messages");
        assertThat(messages.path("message").asText()).contains("messages").contains("array");

        JsonNode stream = Http.assertOpenAiError(http.post(CHAT, """
                {"model":"mock","stream":"yes","messages":[{"role":"user","content":"hi"}]}"""), 400);
        assertThat(stream.path("param").asText()).isEqualTo("stream");
    }

    @Test
    void a_missing_role_or_an_unknown_role_is_a_400_naming_the_message() {
        JsonNode error = Http.assertOpenAiError(http.post(CHAT, """
                {"model":"mock","messages":[{"role":"user","content":"a"},{"role":"wizard","content":"b"}]}"""), 400);

        assertThat(error.path("param").asText()).isEqualTo("messages[1].role");
        assertThat(error.path("message").asText()).contains("messages[1].role").contains("user");
    }

    @Test
    void missing_messages_is_a_400() {
        JsonNode error = Http.assertOpenAiError(http.post(CHAT, "{\"model\":\"mock\"}"), 400);

        assertThat(error.path("param").asText()).isEqualTo("messages");
        assertThat(error.path("message").asText()).contains("messages").contains("required");
    }

    @Test
    void a_missing_model_is_a_400_and_an_unknown_model_a_404() {
        JsonNode missing = Http.assertOpenAiError(http.post(CHAT, """
                {"messages":[{"role":"user","content":"hi"}]}"""), 400);
        assertThat(missing.path("param").asText()).isEqualTo("model");

        JsonNode unknown = Http.assertOpenAiError(http.post(CHAT, Http.chat("gpt-17-ultra", "hi", false)), 404);
        assertThat(unknown.path("param").asText()).isEqualTo("model");
        assertThat(unknown.path("type").asText()).isEqualTo("not_found_error");
        assertThat(unknown.path("message").asText()).contains("gpt-17-ultra").contains("/v1/models");

        JsonNode unknownEmbeddings = Http.assertOpenAiError(http.post("/v1/embeddings", """
                {"model":"no-such-embedder","input":"hi"}"""), 404);
        assertThat(unknownEmbeddings.path("message").asText()).contains("no-such-embedder");
    }

    @Test
    void a_body_over_the_limit_is_a_413_whether_its_length_is_declared_or_not() {
        String big = Http.chat("mock", "x".repeat(MAX_BODY_BYTES), false);

        JsonNode declared = Http.assertOpenAiError(http.post(CHAT, big), 413);
        assertThat(declared.path("message").asText()).contains(Integer.toString(MAX_BODY_BYTES))
                .contains("maxBodyBytes");

        // Chunked, without a Content-Length: the gateway has to count as it reads.
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> chunked = http.send(http.request(CHAT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());
        Http.assertOpenAiError(chunked, 413);

        // Just under the limit is fine.
        String fits = Http.chat("mock", "y".repeat(MAX_BODY_BYTES - 200), false);
        assertThat(Http.replyText(http.post(CHAT, fits))).endsWith("yyy");
    }

    @Test
    void invalid_utf8_is_a_400() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"caf".getBytes(
                StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF});
        body.writeBytes("\"}]}".getBytes(StandardCharsets.US_ASCII));

        JsonNode error = Http.assertOpenAiError(http.post(CHAT, body.toByteArray()), 400);

        assertThat(error.path("message").asText()).contains("UTF-8");
    }

    @Test
    void a_get_on_a_post_endpoint_is_a_405_that_says_what_is_allowed() {
        HttpResponse<String> response = http.get(CHAT);

        JsonNode error = Http.assertOpenAiError(response, 405);
        assertThat(error.path("message").asText()).contains("POST");
        assertThat(response.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void an_unknown_endpoint_is_a_404_in_the_same_error_format() {
        JsonNode error = Http.assertOpenAiErrorBody(http.post("/v1/completely/unknown", "{}"), 404);

        assertThat(error.path("type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void a_client_request_id_is_echoed_on_errors_and_an_unsafe_one_is_replaced() {
        HttpResponse<String> echoed = http.send(http.request(CHAT).header("x-request-id", "client-trace-42")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{")).build());
        Http.assertOpenAiError(echoed, 400);
        assertThat(echoed.headers().firstValue("x-request-id")).hasValue("client-trace-42");

        HttpResponse<String> replaced = http.send(http.request(CHAT).header("x-request-id", "evil\tid with spaces")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{")).build());
        Http.assertOpenAiError(replaced, 400);
        assertThat(replaced.headers().firstValue("x-request-id")).hasValueSatisfying(
                id -> assertThat(id).isNotEqualTo("evil\tid with spaces").matches("[A-Za-z0-9._:\\-]+"));
    }

    @Test
    void an_upstream_500_is_a_502() {
        simulator.scriptNext(Script.error(500, "The server had an error while processing your request."));

        JsonNode error = assertUpstreamError(http.post(CHAT, Http.chat("gpt-4o-mini", "hi", false)), 502);

        assertThat(error.path("type").asText()).isEqualTo("upstream_error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_error");
        assertThat(simulator.requests()).hasSize(1);
    }

    @Test
    void an_upstream_that_stays_silent_past_the_read_timeout_is_a_504_and_its_connection_is_closed() {
        simulator.scriptNext(Script.hang());

        JsonNode error = assertUpstreamError(http.post(CHAT, Http.chat("gpt-4o-mini", "hi", false)), 504);

        assertThat(error.path("type").asText()).isEqualTo("upstream_timeout");
        assertThat(error.path("message").asText()).contains(Integer.toString(READ_TIMEOUT_MS));
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> simulator.closedEarly() == 1);
    }

    @Test
    void a_stream_whose_upstream_stays_silent_is_a_504_before_it_starts() {
        simulator.scriptNext(Script.hang());

        JsonNode error = assertUpstreamError(http.post(CHAT, Http.chat("gpt-4o-mini", "hi", true)), 504);

        assertThat(error.path("type").asText()).isEqualTo("upstream_timeout");
    }

    @Test
    void an_upstream_that_refuses_the_connection_is_a_503() {
        JsonNode error = assertUpstreamError(http.post(CHAT, Http.chat("unreachable", "hi", false)), 503);

        assertThat(error.path("type").asText()).isEqualTo("upstream_unavailable");
    }

    @Test
    void an_upstream_400_is_a_400_carrying_the_upstreams_message() {
        simulator.scriptNext(Script.error(400, new Script.ErrorBody(
                "Invalid value for 'logit_bias': token 99999999 is out of range.", "invalid_request_error",
                "logit_bias", "invalid_value")));

        JsonNode error = assertUpstreamError(http.post(CHAT, Http.chat("gpt-4o-mini", "hi", false)), 400);

        assertThat(error.path("message").asText()).contains("Invalid value for 'logit_bias': token 99999999 is "
                + "out of range.");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    }

    /** An upstream failure: an honest error that shows neither the upstream's key nor its address. */
    private static JsonNode assertUpstreamError(HttpResponse<String> response, int status) {
        JsonNode error = Http.assertOpenAiError(response, status);
        assertThat(response.body()).doesNotContain(API_KEY).doesNotContain("127.0.0.1")
                .doesNotContain(Integer.toString(simulator.port()));
        return error;
    }
}
