package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.FunctionCall;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.SseEventReader;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.portcullis.plugins.anthropic.AnthropicProvider.JSON;

/**
 * Anthropic's event stream as canonical chunks, shaped the way an OpenAI stream is:
 *
 * <ul>
 *   <li>{@code message_start}: a first chunk with the role (and the id and model every chunk repeats);</li>
 *   <li>{@code content_block_start} of a {@code tool_use} block: a tool-call piece with its id and name;</li>
 *   <li>{@code content_block_delta}: a {@code text_delta} as text, an {@code input_json_delta} as an argument
 *       fragment of the block's tool call (tool calls are numbered 0, 1, ... among themselves, whatever their block
 *       index);</li>
 *   <li>{@code message_delta}: a chunk with the finish reason, then a usage-only chunk (input tokens from
 *       {@code message_start}, output tokens from here), as OpenAI sends with {@code include_usage};</li>
 *   <li>{@code message_stop}: the end; {@code error}: a {@link GatewayException} mapped from its type.</li>
 * </ul>
 *
 * <p>{@code ping}, {@code content_block_stop}, thinking deltas and event types newer than this plugin are skipped,
 * as Anthropic asks clients to do.
 */
final class MessagesChunkStream implements ChunkStream {

    private final String providerId;
    private final UpstreamResponse response;
    private final SseEventReader events;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Queue<ChatChunk> ready = new ArrayDeque<>(2);
    /** Block index → the tool call's index among the message's tool calls. */
    private final Map<Integer, Integer> toolIndexes = new HashMap<>();
    private final long created = Instant.now().getEpochSecond();
    private String id;
    private String model;
    private JsonNode startUsage;
    /** Volatile: close() may run on another thread (the client gone). */
    private volatile boolean ended;

    MessagesChunkStream(String providerId, UpstreamResponse response) {
        this.providerId = providerId;
        this.response = response;
        this.events = new SseEventReader(response.body());
    }

    @Override
    public Optional<ChatChunk> next() {
        while (ready.isEmpty() && !ended) {
            String data = nextData();
            if (data == null) {
                ended = true;
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                        "the upstream ended its stream before the answer was complete");
            }
            JsonNode event;
            try {
                event = JSON.readTree(data);
            } catch (JsonProcessingException e) {
                throw AnthropicErrors.unreadable("a stream event", e);
            }
            translate(event);
        }
        return Optional.ofNullable(ready.poll());
    }

    private void translate(JsonNode event) {
        switch (event.path("type").asText()) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                id = message.path("id").asText(null);
                model = message.path("model").asText(null);
                startUsage = message.get("usage");
                ready.add(chunk(new ChatChunk.Delta("assistant", "", null, null), null));
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                String type = block.path("type").asText();
                if (type.equals("text") && !block.path("text").asText("").isEmpty()) {
                    ready.add(text(block.path("text").asText()));
                } else if (type.equals("tool_use")) {
                    int index = toolIndexes.size();
                    toolIndexes.put(event.path("index").asInt(), index);
                    // The input is {} here and arrives as input_json_delta fragments; a non-empty one is whole.
                    JsonNode input = block.path("input");
                    String arguments = input.isObject() && !input.isEmpty() ? input.toString() : "";
                    ready.add(toolPiece(new ChatChunk.ToolCallDelta(index, block.path("id").asText(), "function",
                            new FunctionCall(block.path("name").asText(), arguments))));
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                switch (delta.path("type").asText()) {
                    case "text_delta" -> ready.add(text(delta.path("text").asText("")));
                    case "input_json_delta" -> {
                        Integer index = toolIndexes.get(event.path("index").asInt());
                        String fragment = delta.path("partial_json").asText("");
                        if (index != null && !fragment.isEmpty()) {
                            ready.add(toolPiece(new ChatChunk.ToolCallDelta(index, null, null,
                                    new FunctionCall(null, fragment))));
                        }
                    }
                    default -> {
                        // thinking_delta, signature_delta, citations_delta: not part of the canonical answer.
                    }
                }
            }
            case "message_delta" -> {
                String finish = ResponseReader.finishReason(event.path("delta").path("stop_reason").asText(null));
                ready.add(chunk(new ChatChunk.Delta(null, null, null, null), finish));
                ready.add(new ChatChunk(id, ChatChunk.OBJECT, created, model, List.of(),
                        ResponseReader.usage(mergedUsage(event.path("usage"))), null));
            }
            case "message_stop" -> ended = true;
            case "error" -> {
                ended = true;
                throw AnthropicErrors.inStream(providerId, event.path("error"));
            }
            default -> {
                // ping, content_block_stop, and event types newer than this plugin.
            }
        }
    }

    /** message_start's usage with message_delta's counts over it (its output tokens, and any newer input counts). */
    private JsonNode mergedUsage(JsonNode last) {
        ObjectNode usage = startUsage instanceof ObjectNode start ? start.deepCopy() : JSON.createObjectNode();
        last.properties().forEach(field -> {
            if (field.getValue().isNumber()) {
                usage.set(field.getKey(), field.getValue());
            }
        });
        return usage;
    }

    private ChatChunk text(String text) {
        return chunk(new ChatChunk.Delta(null, text, null, null), null);
    }

    private ChatChunk toolPiece(ChatChunk.ToolCallDelta piece) {
        return chunk(new ChatChunk.Delta(null, null, List.of(piece), null), null);
    }

    private ChatChunk chunk(ChatChunk.Delta delta, String finishReason) {
        return new ChatChunk(id, ChatChunk.OBJECT, created, model,
                List.of(new ChatChunk.Choice(0, delta, finishReason, null)), null, null);
    }

    private String nextData() {
        try {
            return events.next();
        } catch (IOException e) {
            if (closed.get()) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the stream was closed before its end", e);
            }
            throw AnthropicErrors.brokenBody(e);
        }
    }

    /**
     * Closes the upstream response: after its terminal event, so that the transport can keep the connection for another call;
     * before it, aborting the exchange (and so the upstream's generation).
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (ended) {
                response.closeAtEnd();
            } else {
                response.close();
            }
        }
    }
}
