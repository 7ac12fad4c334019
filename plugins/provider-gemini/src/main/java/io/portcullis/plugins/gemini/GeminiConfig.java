package io.portcullis.plugins.gemini;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One Gemini API upstream: the keys of a {@code providers:} entry with {@code type: gemini}.
 *
 * @param baseUrl       the API root that {@code /models/{model}:generateContent} and the others are appended to;
 *                      {@link #DEFAULT_BASE_URL} when not given
 * @param apiKey        the key, sent as {@code x-goog-api-key} (never in the URL, where logs would keep it); required
 * @param headers       extra request headers, sent last so they may replace the ones above; never {@code null}
 * @param readTimeoutMs the longest the upstream may stay silent, before its first byte and between two events of a
 *                      stream; 60000 when not given
 * @param models        the model ids to advertise instead of asking the upstream's {@code GET /models}; never
 *                      {@code null}, empty to ask the upstream
 */
public record GeminiConfig(String baseUrl, String apiKey, Map<String, String> headers, Integer readTimeoutMs,
                           List<String> models) {

    /** Google AI's Gemini API. */
    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";
    /** The read timeout when the configuration gives none. */
    public static final int DEFAULT_READ_TIMEOUT_MS = 60_000;

    public GeminiConfig {
        baseUrl = normalised(baseUrl);
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey is required: the Gemini API refuses calls without a key "
                    + "(set it from an environment variable, apiKey: ${GEMINI_API_KEY})");
        }
        apiKey = apiKey.strip();
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        if (headers.entrySet().stream().anyMatch(header -> header.getKey().isBlank() || header.getValue() == null)) {
            throw new IllegalArgumentException("headers must map header names to values");
        }
        if (readTimeoutMs == null) {
            readTimeoutMs = DEFAULT_READ_TIMEOUT_MS;
        } else if (readTimeoutMs <= 0) {
            throw new IllegalArgumentException(
                    "readTimeoutMs must be a positive number of milliseconds, not " + readTimeoutMs);
        }
        models = models == null ? List.of() : List.copyOf(models);
        if (models.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("models must be a list of model ids, without empty entries");
        }
    }

    /** The common case: a base URL (or {@code null} for Google's) and an API key. */
    public static GeminiConfig of(String baseUrl, String apiKey) {
        return new GeminiConfig(baseUrl, apiKey, null, null, null);
    }

    /** @return {@link #readTimeoutMs()} as a duration */
    public Duration readTimeout() {
        return Duration.ofMillis(readTimeoutMs);
    }

    /**
     * @param pathAndQuery what follows the API root, such as {@code /models/gemini-2.5-flash:generateContent}
     * @return the absolute URI
     */
    public URI endpoint(String pathAndQuery) {
        return URI.create(baseUrl + pathAndQuery);
    }

    /** Says which keys are set without showing the API key or the header values. */
    @Override
    public String toString() {
        return "GeminiConfig[baseUrl=" + baseUrl + ", apiKey=***, headers=" + headers.keySet() + ", readTimeoutMs="
                + readTimeoutMs + ", models=" + models + "]";
    }

    private static String normalised(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            return DEFAULT_BASE_URL;
        }
        String expected = "baseUrl must be the absolute http(s) URL of the API root, such as " + DEFAULT_BASE_URL;
        URI uri;
        try {
            uri = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected + ", not '" + baseUrl + "'", e);
        }
        boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        if (!http || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(expected + " (without a query), not '" + baseUrl + "'");
        }
        // A trailing slash would double the one every API path starts with.
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path;
    }
}
