package io.portcullis.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;

/**
 * A plain HTTP client bound to a {@link RunningGateway}'s client port ({@link RunningGateway#http()}) or its admin API
 * ({@link RunningGateway#admin()}), for tests that look at statuses, headers and raw bodies. Every call is bounded by {@link #CALL_TIMEOUT}: a hung connection fails the test instead of hanging it.
 *
 * <pre>{@code
 * HttpResponse<String> response = gateway.http().post("/v1/chat/completions", GatewayHttp.chat("mock", "hi"));
 * assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hi");
 * }</pre>
 */
public final class GatewayHttp implements AutoCloseable {

    /** The longest one call may take. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final Function<String, URI> uris;
    private final String bearerToken;

    GatewayHttp(Function<String, URI> uris, String bearerToken) {
        this.uris = uris;
        this.bearerToken = bearerToken;
    }

    /** {@code POST} of a JSON text to a path of the gateway. */
    public HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    /** {@code GET} of a path of the gateway. */
    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    /**
     * @return a request builder for a path of the gateway, with the call timeout (and, for the admin API, the
     *         bearer token) set: add headers, then {@link #send}
     */
    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uris.apply(path)).timeout(CALL_TIMEOUT);
        return bearerToken == null ? request : request.header("Authorization", "Bearer " + bearerToken);
    }

    /** Sends a request and reads the whole answer as text. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the gateway", e);
        }
    }

    /** @return the JSON of a chat completion request for one user message, not streamed */
    public static String chat(String model, String userText) {
        return chat(model, userText, false);
    }

    /** @return the JSON of a chat completion request for one user message */
    public static String chat(String model, String userText, boolean stream) {
        return JSON.createObjectNode()
                .put("model", model)
                .put("stream", stream)
                .set("messages", JSON.createArrayNode().add(JSON.createObjectNode()
                        .put("role", "user").put("content", userText)))
                .toString();
    }

    /** @return a response's body as a JSON tree */
    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + response.statusCode() + "): " + response.body(), e);
        }
    }

    /**
     * @return the text of the first choice of a complete chat response
     * @throws AssertionError when the response is not a 200
     */
    public static String replyText(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200, got " + response.statusCode() + ": " + response.body());
        }
        return json(response).path("choices").path(0).path("message").path("content").asText();
    }

    @Override
    public void close() {
        client.close();
    }
}
