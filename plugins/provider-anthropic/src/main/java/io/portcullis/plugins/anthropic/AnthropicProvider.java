package io.portcullis.plugins.anthropic;

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
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One Anthropic upstream: canonical requests go out as Messages API calls ({@link RequestWriter}), answers come back
 * as canonical completions ({@link ResponseReader}) and chunks ({@link MessagesChunkStream}), errors as the
 * gateway's ({@link AnthropicErrors}).
 */
public final class AnthropicProvider implements Provider {

    /**
     * The plugin's one mapper. Buffers are recycled through a shared pool, since the per-thread default does nothing
     * for the virtual thread each request runs on.
     */
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final String APPLICATION_JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream";
    /** The largest JSON answer read: far above any message, far below the heap. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    private final String id;
    private final AnthropicConfig config;
    private final HttpTransport transport;
    private final URI messages;
    private final URI modelList;

    /**
     * @param id        the {@code providers:} entry's id, for messages
     * @param config    the entry's configuration
     * @param transport the gateway's upstream HTTP client
     */
    public AnthropicProvider(String id, AnthropicConfig config, HttpTransport transport) {
        this.id = Objects.requireNonNull(id, "id");
        this.config = Objects.requireNonNull(config, "config");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.messages = config.endpoint("/messages");
        this.modelList = config.endpoint("/models?limit=1000");
    }

    @Override
    public ChatResponse chat(ChatRequest request, CallContext call) {
        UpstreamRequest upstream = UpstreamRequest.postJson(messages, json(RequestWriter.write(request, config, false)),
                headers(APPLICATION_JSON), config.readTimeout(), call.deadline());
        try (UpstreamResponse response = checked(transport.exchange(upstream, MAX_ANSWER_BYTES))) {
            return ResponseReader.read(read(response, "a message"));
        }
    }

    @Override
    public ChunkStream stream(ChatRequest request, CallContext call) {
        UpstreamRequest upstream = UpstreamRequest.postJson(messages, json(RequestWriter.write(request, config, true)),
                headers(EVENT_STREAM), config.readTimeout(), call.deadline());
        return new MessagesChunkStream(id, checked(transport.send(upstream)));
    }

    /**
     * The configured {@code models}, or else the upstream's {@code GET /v1/models}.
     *
     * @throws GatewayException when the upstream cannot say
     */
    @Override
    public List<ModelInfo> models() {
        if (!config.models().isEmpty()) {
            return config.models().stream().map(model -> ModelInfo.of(model, 0, id)).toList();
        }
        UpstreamRequest request = UpstreamRequest.get(modelList, headers(APPLICATION_JSON), config.readTimeout(),
                Instant.now().plus(config.readTimeout()));
        try (UpstreamResponse response = checked(transport.exchange(request, MAX_ANSWER_BYTES))) {
            List<ModelInfo> models = new ArrayList<>();
            for (JsonNode model : read(response, "a model list").path("data")) {
                models.add(ModelInfo.of(model.path("id").asText(), epochSeconds(model.path("created_at").asText()),
                        id));
            }
            return List.copyOf(models);
        }
    }

    private static byte[] json(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a messages request could not be written as JSON", e);
        }
    }

    /** Returns a successful response; maps an error status to the exception to throw, closing the response. */
    private UpstreamResponse checked(UpstreamResponse response) {
        if (response.status() / 100 == 2) {
            return response;
        }
        try (response) {
            throw AnthropicErrors.fromStatus(id, response);
        }
    }

    /**
     * Reads a whole JSON answer. The body is read to its end before parsing, so that the connection goes back to
     * the pool: a parser stops at the end of the JSON value, and closing a response before its end aborts it.
     */
    private static JsonNode read(UpstreamResponse response, String what) {
        byte[] body;
        try {
            body = response.body().readAllBytes();
        } catch (IOException e) {
            throw AnthropicErrors.brokenBody(e);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (IOException e) {
            throw AnthropicErrors.unreadable(what, e);
        }
        if (answer == null || !answer.isObject()) {
            throw AnthropicErrors.unreadable(what, new IOException("not a JSON object"));
        }
        return answer;
    }

    private Map<String, String> headers(String accept) {
        // Case-insensitive, so that a configured header replaces a default one whatever its case.
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Accept", accept);
        headers.put("anthropic-version", config.version());
        if (config.apiKey() != null) {
            headers.put("x-api-key", config.apiKey());
        }
        headers.putAll(config.headers());
        return headers;
    }

    private static long epochSeconds(String rfc3339) {
        try {
            return Instant.parse(rfc3339).getEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return "AnthropicProvider[" + id + ", " + config + "]";
    }
}
