package io.portcullis.runtime.wire.anthropic;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.FunctionCall;
import io.portcullis.api.model.Usage;
import io.portcullis.runtime.wire.WireFormat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Turns canonical chunks into Anthropic's stream: {@code message_start}; per content block a
 * {@code content_block_start}, its {@code content_block_delta}s ({@code text_delta}, or {@code input_json_delta} with
 * a tool call's argument fragments) and a {@code content_block_stop}; a {@code ping} after the first block opens;
 * then {@code message_delta} with the {@code stop_reason} and the usage, and {@code message_stop}.
 *
 * <p>Canonical chunks carry text and tool-call pieces side by side, keyed by the call's index; Anthropic's blocks are
 * sequential, so a block is closed when a piece of another kind (or another call) arrives. The stop reason and usage
 * are held back until the end because an OpenAI upstream reports its usage in a chunk after the one that finishes.
 * Only the first choice is written: Anthropic's API has no {@code n}.
 */
final class AnthropicStreamEncoder implements WireFormat.StreamEncoder {

    private enum Block { NONE, TEXT, TOOL }

    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private boolean started;
    private boolean pinged;
    private Block open = Block.NONE;
    private int blockIndex = -1;
    private int toolIndex = -1;
    private String finishReason;
    private Usage usage;

    @Override
    public byte[] chunk(ChatChunk chunk) {
        out.reset();
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        if (!started) {
            start(chunk.id(), chunk.model());
        }
        for (ChatChunk.Choice choice : chunk.choices()) {
            if (choice.index() != 0) {
                continue;
            }
            ChatChunk.Delta delta = choice.delta();
            if (delta != null) {
                if (delta.content() != null && !delta.content().isEmpty()) {
                    text(delta.content());
                }
                if (delta.toolCalls() != null) {
                    delta.toolCalls().forEach(this::toolPiece);
                }
            }
            if (choice.finishReason() != null) {
                finishReason = choice.finishReason();
                closeBlock();
            }
        }
        return out.toByteArray();
    }

    @Override
    public byte[] end() {
        out.reset();
        if (!started) {
            start("msg_" + UUID.randomUUID().toString().replace("-", ""), null);
        }
        closeBlock();
        String stop = AnthropicMessagesFormat.stopReason(finishReason);
        event("message_delta", json -> {
            json.writeStartObject();
            json.writeStringField("type", "message_delta");
            json.writeObjectFieldStart("delta");
            json.writeStringField("stop_reason", stop == null ? "end_turn" : stop);
            json.writeNullField("stop_sequence");
            json.writeEndObject();
            AnthropicMessagesFormat.writeUsage(json, "usage", usage);
            json.writeEndObject();
        });
        event("message_stop", json -> {
            json.writeStartObject();
            json.writeStringField("type", "message_stop");
            json.writeEndObject();
        });
        return out.toByteArray();
    }

    @Override
    public byte[] fail(GatewayException error) {
        out.reset();
        event("error", json -> {
            AnthropicMessagesFormat.writeError(json, error);
            json.writeEndObject();
        });
        return out.toByteArray();
    }

    private void start(String id, String model) {
        started = true;
        Usage soFar = usage == null ? null : Usage.of(usage.promptTokens(), 0);
        event("message_start", json -> {
            json.writeStartObject();
            json.writeStringField("type", "message_start");
            json.writeObjectFieldStart("message");
            json.writeStringField("id", id);
            json.writeStringField("type", "message");
            json.writeStringField("role", "assistant");
            json.writeArrayFieldStart("content");
            json.writeEndArray();
            json.writeStringField("model", model);
            json.writeNullField("stop_reason");
            json.writeNullField("stop_sequence");
            AnthropicMessagesFormat.writeUsage(json, "usage", soFar);
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    private void text(String text) {
        if (open != Block.TEXT) {
            openBlock(Block.TEXT, -1, json -> {
                json.writeStringField("type", "text");
                json.writeStringField("text", "");
            });
        }
        delta(json -> {
            json.writeStringField("type", "text_delta");
            json.writeStringField("text", text);
        });
    }

    private void toolPiece(ChatChunk.ToolCallDelta piece) {
        FunctionCall function = piece.function();
        if (open != Block.TOOL || toolIndex != piece.index()) {
            String name = function == null ? null : function.name();
            openBlock(Block.TOOL, piece.index(), json -> {
                json.writeStringField("type", "tool_use");
                json.writeStringField("id", piece.id());
                json.writeStringField("name", name);
                json.writeObjectFieldStart("input");
                json.writeEndObject();
                AnthropicMessagesFormat.writeDirectCaller(json);
            });
        }
        String fragment = function == null ? null : function.arguments();
        if (fragment != null && !fragment.isEmpty()) {
            delta(json -> {
                json.writeStringField("type", "input_json_delta");
                json.writeStringField("partial_json", fragment);
            });
        }
    }

    private void openBlock(Block kind, int tool, AnthropicMessagesFormat.JsonWriting contentBlock) {
        closeBlock();
        open = kind;
        toolIndex = tool;
        int index = ++blockIndex;
        event("content_block_start", json -> {
            json.writeStartObject();
            json.writeStringField("type", "content_block_start");
            json.writeNumberField("index", index);
            json.writeObjectFieldStart("content_block");
            contentBlock.writeTo(json);
            json.writeEndObject();
            json.writeEndObject();
        });
        if (!pinged) {
            pinged = true;
            event("ping", json -> {
                json.writeStartObject();
                json.writeStringField("type", "ping");
                json.writeEndObject();
            });
        }
    }

    private void delta(AnthropicMessagesFormat.JsonWriting delta) {
        int index = blockIndex;
        event("content_block_delta", json -> {
            json.writeStartObject();
            json.writeStringField("type", "content_block_delta");
            json.writeNumberField("index", index);
            json.writeObjectFieldStart("delta");
            delta.writeTo(json);
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    private void closeBlock() {
        if (open == Block.NONE) {
            return;
        }
        open = Block.NONE;
        int index = blockIndex;
        event("content_block_stop", json -> {
            json.writeStartObject();
            json.writeStringField("type", "content_block_stop");
            json.writeNumberField("index", index);
            json.writeEndObject();
        });
    }

    private void event(String name, AnthropicMessagesFormat.JsonWriting data) {
        out.writeBytes(("event: " + name + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(AnthropicMessagesFormat.write(data));
        out.writeBytes(EVENT_END);
    }
}
