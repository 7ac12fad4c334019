package io.portcullis.plugins.openai;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * @param flavor        {@code openai} (the default): paths are appended to {@code baseUrl}; {@code azure}: Azure
 *                      OpenAI's deployment URLs, {@code {baseUrl}/openai/deployments/{deployment}/chat/completions
 *                      ?api-version=...}, with the key in the {@code api-key} header
 * @param apiVersion    for {@code azure}, the {@code api-version} query parameter; {@link #DEFAULT_AZURE_API_VERSION}
 *                      when not given; refused for {@code openai} (put a query in {@code baseUrl} instead)
 * @param deployments   for {@code azure}, the deployment that serves each upstream model name; a model without an
 *                      entry is taken to be a deployment's name itself; never {@code null}
 */
public record OpenAiConfig(String baseUrl, String apiKey, String organization, Map<String, String> headers,
                           Integer readTimeoutMs, List<String> models, String flavor, String apiVersion,
                           Map<String, String> deployments) {

    /** The read timeout when the configuration gives none. */
    public static final int DEFAULT_READ_TIMEOUT_MS = 60_000;
    /** The {@code flavor} of OpenAI's own API and the servers that copy its paths. */
    public static final String OPENAI = "openai";
    /** The {@code flavor} of Azure OpenAI's deployment URLs. */
    public static final String AZURE = "azure";
    /** Azure OpenAI's latest generally available data-plane API version when this plugin was written. */
    public static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";

    public OpenAiConfig {
        baseUrl = normalised(baseUrl);
        apiKey = blankToNull(apiKey);
        organization = blankToNull(organization);
        headers = checkedMap("headers", headers);
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
        flavor = flavor == null || flavor.isBlank() ? OPENAI : flavor.strip().toLowerCase(Locale.ROOT);
        if (!flavor.equals(OPENAI) && !flavor.equals(AZURE)) {
            throw new IllegalArgumentException("flavor must be 'openai' or 'azure', not '" + flavor + "'");
        }
        apiVersion = blankToNull(apiVersion);
        deployments = checkedMap("deployments", deployments);
        if (flavor.equals(AZURE)) {
            apiVersion = apiVersion == null ? DEFAULT_AZURE_API_VERSION : apiVersion;
            if (organization != null) {
                throw new IllegalArgumentException("organization is OpenAI's; Azure OpenAI has none");
            }
            if (URI.create(baseUrl).getRawQuery() != null) {
                throw new IllegalArgumentException("with flavor 'azure', baseUrl is the resource's endpoint, such as "
                        + "https://my-resource.openai.azure.com, without a query: the api-version goes in apiVersion");
            }
        } else if (apiVersion != null || !deployments.isEmpty()) {
            throw new IllegalArgumentException("apiVersion and deployments are Azure OpenAI's: set flavor: azure");
        }
    }

    /** The keys of an OpenAI-compatible upstream, without Azure's. */
    public OpenAiConfig(String baseUrl, String apiKey, String organization, Map<String, String> headers,
                        Integer readTimeoutMs, List<String> models) {
        this(baseUrl, apiKey, organization, headers, readTimeoutMs, models, null, null, null);
    }

    /** The common case: a base URL and an API key (or {@code null}), every other key at its default. */
    public static OpenAiConfig of(String baseUrl, String apiKey) {
        return new OpenAiConfig(baseUrl, apiKey, null, null, null, null);
    }

    /**
     * An Azure OpenAI resource.
     *
     * @param endpoint    the resource's endpoint, {@code https://my-resource.openai.azure.com}
     * @param apiKey      the resource's key, sent as {@code api-key}
     * @param deployments the deployment of each model name
     */
    public static OpenAiConfig azure(String endpoint, String apiKey, Map<String, String> deployments) {
        return new OpenAiConfig(endpoint, apiKey, null, null, null, null, AZURE, null, deployments);
    }

    /** @return whether this is an Azure OpenAI resource, addressed by deployment */
    public boolean isAzure() {
        return flavor.equals(AZURE);
    }

    /**
     * @param model an upstream model name
     * @param path  an API path such as {@code /chat/completions}
     * @return for Azure, the path under the model's deployment with the {@code api-version}; else
     *         {@link #endpoint(String)}
     */
    public URI endpoint(String model, String path) {
        if (!isAzure()) {
            return endpoint(path);
        }
        String deployment = deployments.getOrDefault(model, model);
        return URI.create(baseUrl + "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8)
                .replace("+", "%20") + path + "?api-version=" + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8));
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
                + readTimeoutMs + ", models=" + models + (isAzure() ? ", flavor=azure, apiVersion=" + apiVersion
                + ", deployments=" + deployments : "") + "]";
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

    private static Map<String, String> checkedMap(String key, Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((name, value) -> {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException(key + " must map names to values; '" + name + "' has no value");
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
