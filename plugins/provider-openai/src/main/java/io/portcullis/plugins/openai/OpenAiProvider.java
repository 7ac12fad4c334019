package io.portcullis.plugins.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One OpenAI-compatible upstream. The canonical model is OpenAI's schema, so requests go out nearly as they came in
 * (fields the gateway does not model included) and answers come back as they are.
 */
public final class OpenAiProvider implements Provider {

    /**
     * The plugin's one mapper. Unknown fields go to the records' {@code extra} maps or are ignored (a server's model
     * entries may carry more than {@link ModelInfo}); buffers are recycled through a shared pool, since the
     * per-thread default does nothing for the virtual thread each request runs on.
     */
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final String APPLICATION_JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";
    /** The largest JSON answer read: far above any chat completion or embeddings batch, far below the heap. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    private final String id;
    private final OpenAiConfig config;
    private final HttpTransport transport;
    /** The fixed endpoints; {@code null} for Azure, whose URLs name each model's deployment. */
    private final URI chatCompletions;
    private final URI embeddings;
    private final URI modelList;

    /**
     * @param id        the {@code providers:} entry's id, for messages
     * @param config    the entry's configuration
     * @param transport the gateway's upstream HTTP client
     */
    public OpenAiProvider(String id, OpenAiConfig config, HttpTransport transport) {
        this.id = Objects.requireNonNull(id, "id");
        this.config = Objects.requireNonNull(config, "config");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.chatCompletions = config.isAzure() ? null : config.endpoint("/chat/completions");
        this.embeddings = config.isAzure() ? null : config.endpoint("/embeddings");
        this.modelList = config.isAzure() ? null : config.endpoint("/models");
    }

    @Override
    public ChatResponse chat(ChatRequest request, CallContext call) {
        // stream_options is only allowed with stream: true; a policy may have turned a stream into a whole answer.
        ChatRequest upstream = request.withStream(false).withExtra(without(request.extra(), "stream_options"));
        try (UpstreamResponse response = post(chatCompletions(request.model()), upstream, call, APPLICATION_JSON)) {
            return read(response, ChatResponse.class, "a chat completion");
        }
    }

    @Override
    public ChunkStream stream(ChatRequest request, CallContext call) {
        // Ask for the usage chunk whatever the client asked: budgets and usage records need it.
        Map<String, JsonNode> extra = new LinkedHashMap<>(request.extra());
        ObjectNode options = extra.get("stream_options") instanceof ObjectNode given ? given.deepCopy()
                : JSON.createObjectNode();
        extra.put("stream_options", options.put("include_usage", true));
        UpstreamResponse response = post(chatCompletions(request.model()), request.withStream(true).withExtra(extra),
                call, EVENT_STREAM);
        return new SseChunkStream(id, response);
    }

    @Override
    public EmbeddingResponse embed(EmbeddingRequest request, CallContext call) {
        // Floats: every OpenAI-compatible server has them, while base64 is OpenAI's own (the edge encodes for clients).
        ObjectNode body = JSON.valueToTree(request);
        body.put("encoding_format", "float");
        URI uri = config.isAzure() ? config.endpoint(request.model(), "/embeddings") : embeddings;
        try (UpstreamResponse response = post(uri, body, call, APPLICATION_JSON)) {
            JsonNode answer = read(response, JsonNode.class, "embeddings");
            List<EmbeddingResponse.Embedding> vectors = new ArrayList<>();
            for (JsonNode item : answer.path("data")) {
                vectors.add(new EmbeddingResponse.Embedding(item.path("index").asInt(vectors.size()),
                        vector(item.path("embedding"))));
            }
            vectors.sort(Comparator.comparingInt(EmbeddingResponse.Embedding::index));
            Usage usage = answer.hasNonNull("usage") ? JSON.treeToValue(answer.get("usage"), Usage.class) : null;
            return new EmbeddingResponse(answer.path("model").asText(request.model()), vectors, usage);
        } catch (JsonProcessingException e) {
            throw UpstreamErrors.unreadable("embeddings", e);
        }
    }

    /**
     * The configured {@code models}, or else the upstream's {@code GET /models}; for Azure, whose model list names
     * base models rather than the resource's deployments, the configured {@code models} or the deployments' models.
     *
     * @throws GatewayException when the upstream cannot say
     */
    @Override
    public List<ModelInfo> models() {
        if (!config.models().isEmpty() || config.isAzure()) {
            List<String> names = config.models().isEmpty() ? List.copyOf(config.deployments().keySet())
                    : config.models();
            return names.stream().map(model -> ModelInfo.of(model, 0, id)).toList();
        }
        UpstreamRequest request = UpstreamRequest.get(modelList, headers(APPLICATION_JSON, null),
                config.readTimeout(), Instant.now().plus(config.readTimeout()));
        try (UpstreamResponse response = checked(transport.exchange(request, MAX_ANSWER_BYTES))) {
            List<ModelInfo> models = new ArrayList<>();
            for (JsonNode model : read(response, JsonNode.class, "a model list").path("data")) {
                models.add(ModelInfo.of(model.path("id").asText(), model.path("created").asLong(),
                        model.path("owned_by").asText(id)));
            }
            return List.copyOf(models);
        }
    }

    private URI chatCompletions(String model) {
        return config.isAzure() ? config.endpoint(model, "/chat/completions") : chatCompletions;
    }

    /** Posts a JSON body: a stream's answer is read as it comes, a JSON answer is read whole by the transport. */
    private UpstreamResponse post(URI uri, Object body, CallContext call, String accept) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a canonical request could not be written as JSON", e);
        }
        UpstreamRequest request = UpstreamRequest.postJson(uri, json, headers(accept, call.requestId()),
                config.readTimeout(), call.deadline());
        return checked(accept.equals(EVENT_STREAM) ? transport.send(request)
                : transport.exchange(request, MAX_ANSWER_BYTES));
    }

    /** Returns a successful response; maps an error status to the exception to throw, closing the response. */
    private UpstreamResponse checked(UpstreamResponse response) {
        if (response.status() / 100 == 2) {
            return response;
        }
        try (response) {
            throw UpstreamErrors.fromStatus(id, response);
        }
    }

    /**
     * Reads a whole JSON answer. The body is read to its end before parsing, so that the connection goes back to
     * the pool: a parser stops at the end of the JSON value, and closing a response before its end aborts it.
     */
    private static <T> T read(UpstreamResponse response, Class<T> type, String what) {
        byte[] body;
        try {
            body = response.body().readAllBytes();
        } catch (IOException e) {
            throw UpstreamErrors.brokenBody(e);
        }
        try {
            return JSON.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw UpstreamErrors.unreadable(what, e);
        } catch (IOException e) {
            throw UpstreamErrors.brokenBody(e);
        }
    }

    private Map<String, String> headers(String accept, String requestId) {
        // Case-insensitive, so that a configured header replaces a default one whatever its case.
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Accept", accept);
        if (config.apiKey() != null && config.isAzure()) {
            headers.put("api-key", config.apiKey());
        } else if (config.apiKey() != null) {
            headers.put("Authorization", "Bearer " + config.apiKey());
        }
        if (config.organization() != null && !config.isAzure()) {
            headers.put("OpenAI-Organization", config.organization());
        }
        if (requestId != null) {
            headers.put("X-Client-Request-Id", requestId);
        }
        headers.putAll(config.headers());
        return headers;
    }

    private static Map<String, JsonNode> without(Map<String, JsonNode> extra, String field) {
        if (!extra.containsKey(field)) {
            return extra;
        }
        Map<String, JsonNode> copy = new LinkedHashMap<>(extra);
        copy.remove(field);
        return copy;
    }

    /** An embedding as floats, or as base64 of little-endian float32 from a server that sends that anyway. */
    private static float[] vector(JsonNode embedding) throws JsonProcessingException {
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] vector = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(vector);
            return vector;
        }
        return JSON.treeToValue(embedding, float[].class);
    }

    @Override
    public String toString() {
        return "OpenAiProvider[" + id + ", " + config + "]";
    }
}
