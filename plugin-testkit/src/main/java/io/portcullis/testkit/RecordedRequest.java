package io.portcullis.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.server.Request;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One request as a simulator ({@link OpenAiSimulator}, {@link AnthropicSimulator}, {@link GeminiSimulator}) received
 * it.
 *
 * @param method  the HTTP method
 * @param path    the path, {@code /v1/chat/completions}
 * @param query   the raw query string, or {@code null}
 * @param headers the headers, names in lower case (the first value of a repeated header)
 * @param rawBody the body as text, empty when there was none
 * @param body    the body as JSON, or {@code null} when it is empty or not JSON
 */
public record RecordedRequest(String method, String path, String query, Map<String, String> headers,
                              String rawBody, JsonNode body) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    static RecordedRequest of(Request request, String rawBody) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.getHeaders().forEach(field -> headers.putIfAbsent(field.getLowerCaseName(), field.getValue()));
        JsonNode body;
        try {
            body = rawBody.isEmpty() ? null : JSON.readTree(rawBody);
        } catch (JsonProcessingException e) {
            body = null;
        }
        return new RecordedRequest(request.getMethod(), request.getHttpURI().getPath(),
                request.getHttpURI().getQuery(), headers, rawBody, body);
    }

    /** @return the header's value, or {@code null}; the name in any case */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
