package io.portcullis.plugins.openai;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One OpenAI-compatible upstream: the keys of a {@code providers:} entry with {@code type: openai}.
 *
 * @param baseUrl       the API root that {@code /chat/completions}, {@code /embeddings} and {@code /models} are
 *                      appended to, such as {@code https://api.openai.com/v1} or {@code http://localhost:11434/v1};
 *                      a query string ({@code ?api-version=...}) is kept on every call
 * @param apiKey        sent as {@code Authorization: Bearer <apiKey>}; {@code null} or blank sends none (Ollama,
 *                      vLLM without {@code --api-key})
 * @param organization  sent as {@code OpenAI-Organization}, or {@code null}
 * @param headers       extra request headers, sent last so they may replace the ones above ({@code api-key} for
 *                      Azure, {@code OpenAI-Project}); never {@code null}
 * @param readTimeoutMs the longest the upstream may stay silent, before its first byte and between two pieces of a
 *                      stream; 60000 when not given
 * @param models        the model ids to advertise instead of asking the upstream's {@code /models}; never
 *                      {@code null}, empty to ask the upstream
 */
public record OpenAiConfig(String baseUrl, String apiKey, String organization, Map<String, String> headers,
                           Integer readTimeoutMs, List<String> models) {

    /** The read timeout when the configuration gives none. */
    public static final int DEFAULT_READ_TIMEOUT_MS = 60_000;

    public OpenAiConfig {
        baseUrl = normalised(baseUrl);
        apiKey = blankToNull(apiKey);
        organization = blankToNull(organization);
        headers = checkedHeaders(headers);
        if (readTimeoutMs == null) {
            readTimeoutMs = DEFAULT_READ_TIMEOUT_MS;
        } else if (readTimeoutMs <= 0) {
            throw new IllegalArgumentException(
                    "readTimeoutMs must be a positive number of milliseconds, not " + readTimeoutMs);
        }
        models = models == null ? List.of() : List.copyOf(models);
        if (models.stream().anyMatch(model -> model == null || model.isBlank())) {
            throw new IllegalArgumentException("models must be a list of model ids, without empty entries");
        }
    }

    /** The common case: a base URL and an API key (or {@code null}), every other key at its default. */
    public static OpenAiConfig of(String baseUrl, String apiKey) {
        return new OpenAiConfig(baseUrl, apiKey, null, null, null, null);
    }

    /** @return {@link #readTimeoutMs()} as a duration */
    public Duration readTimeout() {
        return Duration.ofMillis(readTimeoutMs);
    }

    /**
     * @param path an API path such as {@code /chat/completions}
     * @return the path under {@link #baseUrl()}, with the base URL's query string
     */
    public URI endpoint(String path) {
        URI base = URI.create(baseUrl);
        String query = base.getRawQuery() == null ? "" : "?" + base.getRawQuery();
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + nullToEmpty(base.getRawPath()) + path
                + query);
    }

    /** Says which keys are set without showing the API key or the header values. */
    @Override
    public String toString() {
        return "OpenAiConfig[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", organization=" + organization + ", headers=" + headers.keySet() + ", readTimeoutMs="
                + readTimeoutMs + ", models=" + models + "]";
    }

    private static String normalised(String baseUrl) {
        String expected = "baseUrl must be the absolute http(s) URL of the API root, such as https://api.openai.com/v1 "
                + "or http://localhost:11434/v1";
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException(expected + "; it is missing");
        }
        URI uri;
        try {
            uri = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected + ", not '" + baseUrl + "'", e);
        }
        boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        if (!http || uri.getHost() == null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(expected + ", not '" + baseUrl + "'");
        }
        // A trailing slash would double the one every API path starts with.
        String path = nullToEmpty(uri.getRawPath()).replaceAll("/+$", "");
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path + query;
    }

    private static Map<String, String> checkedHeaders(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("headers must map header names to values; '" + name
                        + "' has no value");
            }
            copy.put(name, value);
        });
        return Collections.unmodifiableMap(copy);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
