package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.SseEventReader;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The events of {@code streamGenerateContent?alt=sse} as canonical chunks. Each event is a whole
 * {@code GenerateContentResponse} holding the next piece of each candidate: its text becomes a content delta, its
 * function calls (which Gemini sends whole, never in pieces) become tool-call deltas carrying the complete arguments,
 * and its finish reason the chunk's. The stream has no end marker: it ends when the body does, and then the last
 * {@code usageMetadata} seen goes out as a usage-only chunk, as OpenAI's {@code include_usage} has it.
 */
final class GeminiChunkStream implements ChunkStream {

    private final String providerId;
    private final String model;
    private final long created;
    private final UpstreamResponse response;
    private final SseEventReader events;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Per candidate index: how many function calls it has made, so that call ids and indexes run on. */
    private final Map<Integer, Integer> calls = new HashMap<>();
    private String id;
    private JsonNode usage;
    private boolean finished;
    private boolean ended;

    GeminiChunkStream(String providerId, String model, long created, UpstreamResponse response) {
        this.providerId = providerId;
        this.model = model;
        this.created = created;
        this.response = response;
        this.events = new SseEventReader(response.body());
    }

    @Override
    public Optional<ChatChunk> next() {
        while (!ended) {
            String data = nextData();
            if (data == null) {
                ended = true;
                if (!finished) {
                    throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                            "the upstream ended its stream before the answer was complete");
                }
                return usage == null ? Optional.empty() : Optional.of(new ChatChunk(id, ChatChunk.OBJECT, created,
                        model, List.of(), GeminiResponses.usage(usage), null));
            }
            Optional<ChatChunk> chunk = chunkOf(read(data));
            if (chunk.isPresent()) {
                return chunk;
            }
        }
        return Optional.empty();
    }

    private Optional<ChatChunk> chunkOf(JsonNode event) {
        if (event.has("error")) {
            throw GeminiErrors.inStream(providerId, event.get("error"));
        }
        if (id == null) {
            id = GeminiResponses.completionId(event);
        }
        if (event.hasNonNull("usageMetadata")) {
            usage = event.get("usageMetadata");
        }
        List<ChatChunk.Choice> choices = new ArrayList<>();
        String blockReason = event.path("promptFeedback").path("blockReason").asText(null);
        if (blockReason != null && event.path("candidates").isEmpty()) {
            choices.add(new ChatChunk.Choice(0, new ChatChunk.Delta("assistant", null, null,
                    GeminiResponses.refusal(blockReason, true)), GeminiResponses.CONTENT_FILTER, null));
        }
        for (JsonNode candidate : event.path("candidates")) {
            int index = candidate.path("index").asInt(0);
            boolean first = !calls.containsKey(index);
            int callsBefore = calls.getOrDefault(index, 0);
            GeminiResponses.Parts parts = GeminiResponses.Parts.of(candidate, callsBefore);
            calls.put(index, callsBefore + parts.calls().size());
            List<ChatChunk.ToolCallDelta> toolCalls = null;
            if (!parts.calls().isEmpty()) {
                toolCalls = new ArrayList<>();
                for (int i = 0; i < parts.calls().size(); i++) {
                    ToolCall call = parts.calls().get(i);
                    toolCalls.add(new ChatChunk.ToolCallDelta(callsBefore + i, call.id(), call.type(),
                            call.function()));
                }
            }
            String reason = candidate.path("finishReason").asText(null);
            String finish = GeminiResponses.finishReason(reason, calls.get(index) > 0);
            String text = parts.text().isEmpty() ? null : parts.text();
            if (!first && text == null && toolCalls == null && finish == null) {
                continue;
            }
            Map<String, JsonNode> extra = GeminiResponses.CONTENT_FILTER.equals(finish) && text == null
                    ? GeminiResponses.refusal(reason, false) : null;
            choices.add(new ChatChunk.Choice(index, new ChatChunk.Delta(first ? "assistant" : null,
                    first && text == null && toolCalls == null ? "" : text, toolCalls, extra), finish, null));
            finished |= finish != null;
        }
        finished |= blockReason != null;
        return choices.isEmpty() ? Optional.empty() : Optional.of(new ChatChunk(id, ChatChunk.OBJECT, created, model,
                choices, null, null));
    }

    private JsonNode read(String data) {
        try {
            return GeminiProvider.JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw GeminiErrors.unreadable("a stream event", e);
        }
    }

    private String nextData() {
        try {
            return events.next();
        } catch (IOException e) {
            if (closed.get()) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the stream was closed before its end", e);
            }
            throw GeminiErrors.brokenBody(e);
        }
    }

    /** Closes the upstream response, which aborts the exchange (and so the upstream's generation) before its end. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            response.close();
        }
    }
}
