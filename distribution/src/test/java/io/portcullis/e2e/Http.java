package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testkit.GatewayHttp;
import io.portcullis.testkit.RunningGateway;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A raw HTTP client for the tests that control the bytes they send, and the checks every OpenAI error answer must
 * pass. Every call is bounded: a hung connection fails the test instead of hanging it.
 */
final class Http implements AutoCloseable {

    static final Duration CALL_TIMEOUT = GatewayHttp.CALL_TIMEOUT;
    static final ObjectMapper JSON = new ObjectMapper();

    private final RunningGateway gateway;
    private final GatewayHttp client;

    Http(RunningGateway gateway) {
        this.gateway = gateway;
        this.client = gateway.http();
    }

    /** {@code POST} of a JSON text. */
    HttpResponse<String> post(String path, String json) {
        return post(path, json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code POST} of raw bytes labelled as JSON. */
    HttpResponse<String> post(String path, byte[] body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** {@code GET}. */
    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpRequest.Builder request(String path) {
        return client.request(path);
    }

    URI uri(String path) {
        return gateway.uri(path);
    }

    HttpResponse<String> send(HttpRequest request) {
        return client.send(request);
    }

    /** A chat request for one user message, as JSON text. */
    static String chat(String model, String userText, boolean stream) {
        return GatewayHttp.chat(model, userText, stream);
    }

    static JsonNode json(HttpResponse<String> response) {
        return GatewayHttp.json(response);
    }

    /** @return the text of the first choice of a complete chat response */
    static String replyText(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).path("choices").path(0).path("message").path("content").asText();
    }

    /**
     * Checks that a response is an honest OpenAI error: the status, a JSON content type, an {@code x-request-id},
     * the {@code {"error":{"message","type","param","code"}}} shape, and nothing of the gateway's insides.
     *
     * @return the {@code error} object
     */
    static JsonNode assertOpenAiError(HttpResponse<String> response, int status) {
        JsonNode error = assertOpenAiErrorBody(response, status);
        assertThat(response.headers().firstValue("x-request-id")).as("x-request-id").hasValueSatisfying(
                id -> assertThat(id).isNotBlank());
        return error;
    }

    /** {@link #assertOpenAiError} without the request id, which only the data plane's endpoints give. */
    static JsonNode assertOpenAiErrorBody(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body())
                .doesNotContain("Exception")
                .doesNotContain("at io.")
                .doesNotContain("at java.")
                .doesNotContain("com.fasterxml")
                .doesNotContain("io.portcullis.");
        JsonNode error = json(response).path("error");
        assertThat(error.isObject()).as("an error object in " + response.body()).isTrue();
        assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code"))
                .as("message, type, param and code in " + error).isTrue();
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("type").asText()).isNotBlank();
        return error;
    }

    /** The client is the gateway's own, closed with it. */
    @Override
    public void close() {
    }
}
