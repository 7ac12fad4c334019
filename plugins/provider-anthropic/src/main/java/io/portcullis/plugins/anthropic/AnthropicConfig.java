package io.portcullis.plugins.anthropic;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One Anthropic upstream: the keys of a {@code providers:} entry with {@code type: anthropic}.
 *
 * @param baseUrl       the API root, {@code https://api.anthropic.com} when not given; {@code /v1/messages} and
 *                      {@code /v1/models} are appended (a root that already ends with {@code /v1} gets no second one)
 * @param apiKey        sent as {@code x-api-key}; {@code null} or blank sends none (a proxy that adds its own)
 * @param version       sent as {@code anthropic-version}; {@value #DEFAULT_VERSION} when not given
 * @param maxTokens     the {@code max_tokens} sent when the client gives no {@code max_tokens} or
 *                      {@code max_completion_tokens} (Anthropic requires one, OpenAI's clients often leave it out);
 *                      {@value #DEFAULT_MAX_TOKENS} when not given
 * @param headers       extra request headers, sent last so they may replace the ones above
 *                      ({@code anthropic-beta}, ...); never {@code null}
 * @param readTimeoutMs the longest the upstream may stay silent, before its first byte and between two events of a
 *                      stream; {@value #DEFAULT_READ_TIMEOUT_MS} when not given
 * @param models        the model ids to advertise instead of asking the upstream's {@code /v1/models}; never
 *                      {@code null}, empty to ask the upstream
 */
public record AnthropicConfig(String baseUrl, String apiKey, String version, Integer maxTokens,
                              Map<String, String> headers, Integer readTimeoutMs, List<String> models) {

    /** Anthropic's API root. */
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** The API version this plugin speaks: the one every current Messages API feature it maps is documented for. */
    public static final String DEFAULT_VERSION = "2023-06-01";
    /** The output cap when the client gives none: enough for a long answer, accepted by every current model. */
    public static final int DEFAULT_MAX_TOKENS = 4096;
    /** The read timeout when the configuration gives none. */
    public static final int DEFAULT_READ_TIMEOUT_MS = 60_000;

    public AnthropicConfig {
        baseUrl = normalised(baseUrl == null || baseUrl.isBlank() ? DEFAULT_BASE_URL : baseUrl);
        apiKey = blankToNull(apiKey);
        version = version == null || version.isBlank() ? DEFAULT_VERSION : version.strip();
        maxTokens = positive("maxTokens", maxTokens, DEFAULT_MAX_TOKENS);
        headers = checkedHeaders(headers);
        readTimeoutMs = positive("readTimeoutMs", readTimeoutMs, DEFAULT_READ_TIMEOUT_MS);
        models = models == null ? List.of() : List.copyOf(models);
        if (models.stream().anyMatch(model -> model == null || model.isBlank())) {
            throw new IllegalArgumentException("models must be a list of model ids, without empty entries");
        }
    }

    /** The common case: a base URL (or {@code null} for Anthropic's) and an API key, every other key at its default. */
    public static AnthropicConfig of(String baseUrl, String apiKey) {
        return new AnthropicConfig(baseUrl, apiKey, null, null, null, null, null);
    }

    /** @return {@link #readTimeoutMs()} as a duration */
    public Duration readTimeout() {
        return Duration.ofMillis(readTimeoutMs);
    }

    /**
     * @param path an API path after the version, such as {@code /messages}
     * @return the path under {@link #baseUrl()} and {@code /v1}
     */
    public URI endpoint(String path) {
        return URI.create(baseUrl + (baseUrl.endsWith("/v1") ? "" : "/v1") + path);
    }

    /** Says which keys are set without showing the API key or the header values. */
    @Override
    public String toString() {
        return "AnthropicConfig[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "***") + ", version="
                + version + ", maxTokens=" + maxTokens + ", headers=" + headers.keySet() + ", readTimeoutMs="
                + readTimeoutMs + ", models=" + models + "]";
    }

    private static String normalised(String baseUrl) {
        String expected = "baseUrl must be the absolute http(s) URL of the API root, such as https://api.anthropic.com";
        URI uri;
        try {
            uri = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected + ", not '" + baseUrl + "'", e);
        }
        boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        if (!http || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(expected + " (without query or fragment), not '" + baseUrl + "'");
        }
        // A trailing slash would double the one every API path starts with.
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path;
    }

    private static int positive(String key, Integer value, int defaultValue) {
        if (value == null) {
            return defaultValue;
        }
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be a positive number, not " + value);
        }
        return value;
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
}
