package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One Gemini API upstream: chat requests go to {@code models/{model}:generateContent} (or
 * {@code :streamGenerateContent?alt=sse}), embeddings to {@code :batchEmbedContents}, translated by
 * {@link GeminiRequests} and back by {@link GeminiResponses}. The key travels in {@code x-goog-api-key}.
 */
public final class GeminiProvider implements Provider {

    /** The plugin's one mapper; buffers are recycled through a shared pool, as requests run on virtual threads. */
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final String APPLICATION_JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";
    /** The largest JSON answer read: far above any answer or embeddings batch, far below the heap. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    private final String id;
    private final GeminiConfig config;
    private final HttpTransport transport;

    /**
     * @param id        the {@code providers:} entry's id, for messages
     * @param config    the entry's configuration
     * @param transport the gateway's upstream HTTP client
     */
    public GeminiProvider(String id, GeminiConfig config, HttpTransport transport) {
        this.id = Objects.requireNonNull(id, "id");
        this.config = Objects.requireNonNull(config, "config");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public ChatResponse chat(ChatRequest request, CallContext call) {
        String model = modelId(request.model());
        Object body = GeminiRequests.generateContent(request);
        try (UpstreamResponse response = post(method(model, "generateContent"), body, call, APPLICATION_JSON)) {
            return GeminiResponses.chat(read(response, "an answer"), request.model(), Instant.now().getEpochSecond());
        }
    }

    @Override
    public ChunkStream stream(ChatRequest request, CallContext call) {
        String model = modelId(request.model());
        Object body = GeminiRequests.generateContent(request);
        UpstreamResponse response = post(method(model, "streamGenerateContent?alt=sse"), body, call, EVENT_STREAM);
        return new GeminiChunkStream(id, request.model(), Instant.now().getEpochSecond(), response);
    }

    @Override
    public EmbeddingResponse embed(EmbeddingRequest request, CallContext call) {
        String model = modelId(request.model());
        Object body = GeminiRequests.batchEmbedContents(request, model);
        try (UpstreamResponse response = post(method(model, "batchEmbedContents"), body, call, APPLICATION_JSON)) {
            JsonNode answer = read(response, "embeddings");
            List<EmbeddingResponse.Embedding> vectors = new ArrayList<>();
            for (JsonNode embedding : answer.path("embeddings")) {
                vectors.add(new EmbeddingResponse.Embedding(vectors.size(),
                        JSON.treeToValue(embedding.path("values"), float[].class)));
            }
            // Gemini's embeddings answer carries no token counts.
            return new EmbeddingResponse(request.model(), vectors, null);
        } catch (JsonProcessingException e) {
            throw GeminiErrors.unreadable("embeddings", e);
        }
    }

    /**
     * The configured {@code models}, or else the upstream's {@code GET /models} (the first page, up to 1000).
     *
     * @throws GatewayException when the upstream cannot say
     */
    @Override
    public List<ModelInfo> models() {
        if (!config.models().isEmpty()) {
            return config.models().stream().map(model -> ModelInfo.of(model, 0, id)).toList();
        }
        UpstreamRequest request = UpstreamRequest.get(config.endpoint("/models?pageSize=1000"),
                headers(APPLICATION_JSON), config.readTimeout(), Instant.now().plus(config.readTimeout()));
        try (UpstreamResponse response = checked(transport.exchange(request, MAX_ANSWER_BYTES))) {
            List<ModelInfo> models = new ArrayList<>();
            for (JsonNode model : read(response, "a model list").path("models")) {
                models.add(ModelInfo.of(modelId(model.path("name").asText()), 0, id));
            }
            return List.copyOf(models);
        }
    }

    /** Gemini names models {@code models/gemini-2.5-flash}; a route may give either form. */
    private static String modelId(String model) {
        return model != null && model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    private URI method(String model, String methodAndQuery) {
        return config.endpoint("/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + ":" + methodAndQuery);
    }

    /** Posts a JSON body: a stream's answer is read as it comes, a JSON answer is read whole by the transport. */
    private UpstreamResponse post(URI uri, Object body, CallContext call, String accept) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Gemini request could not be written as JSON", e);
        }
        UpstreamRequest request = UpstreamRequest.postJson(uri, json, headers(accept), config.readTimeout(),
                call.deadline());
        return checked(accept.equals(EVENT_STREAM) ? transport.send(request)
                : transport.exchange(request, MAX_ANSWER_BYTES));
    }

    /** Returns a successful response; maps an error status to the exception to throw, closing the response. */
    private UpstreamResponse checked(UpstreamResponse response) {
        if (response.status() / 100 == 2) {
            return response;
        }
        try (response) {
            throw GeminiErrors.fromStatus(id, response);
        }
    }

    /** Reads a whole JSON answer to its end (so that the connection goes back to the pool), then parses it. */
    private static JsonNode read(UpstreamResponse response, String what) {
        byte[] body;
        try {
            body = response.body().readAllBytes();
        } catch (IOException e) {
            throw GeminiErrors.brokenBody(e);
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw GeminiErrors.unreadable(what, e);
        }
    }

    private Map<String, String> headers(String accept) {
        // Case-insensitive, so that a configured header replaces a default one whatever its case.
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Accept", accept);
        headers.put("x-goog-api-key", config.apiKey());
        headers.putAll(config.headers());
        return headers;
    }

    @Override
    public String toString() {
        return "GeminiProvider[" + id + ", " + config + "]";
    }
}
