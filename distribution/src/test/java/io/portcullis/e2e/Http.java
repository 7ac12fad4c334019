package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testkit.RunningGateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
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

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final RunningGateway gateway;

    Http(RunningGateway gateway) {
        this.gateway = gateway;
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
        return HttpRequest.newBuilder(gateway.uri(path)).timeout(CALL_TIMEOUT);
    }

    URI uri(String path) {
        return gateway.uri(path);
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A chat request for one user message, as JSON text. */
    static String chat(String model, String userText, boolean stream) {
        return JSON.createObjectNode()
                .put("model", model)
                .put("stream", stream)
                .set("messages", JSON.createArrayNode().add(JSON.createObjectNode()
                        .put("role", "user").put("content", userText)))
                .toString();
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
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

    @Override
    public void close() {
        client.close();
    }
}
