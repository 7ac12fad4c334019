package io.portcullis.runtime.wire.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.wire.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Anthropic's {@code POST /v1/messages}, so that an application written for the Anthropic SDK can use any model the
 * gateway serves. Requests are read by {@link AnthropicRequestDecoder}; a complete answer is written as a
 * {@code message} object (text and {@code tool_use} content blocks, {@code stop_reason}, {@code usage}); a stream as
 * Anthropic's event sequence ({@link AnthropicStreamEncoder}); errors as {@code {"type":"error","error":{"type",
 * "message"},"request_id"}} with the same honest status the OpenAI ingress gives.
 */
public final class AnthropicMessagesFormat implements WireFormat {

    /** The path it serves. */
    public static final String PATH = "/v1/messages";

    private final AnthropicRequestDecoder decoder = new AnthropicRequestDecoder();

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public Decoded decode(byte[] body) {
        return new ChatDecoded(decoder.decode(body), AnthropicMessagesFormat::message, AnthropicStreamEncoder::new);
    }

    @Override
    public byte[] errorBody(GatewayException error, String requestId) {
        return write(json -> {
            writeError(json, error);
            if (requestId != null) {
                json.writeStringField("request_id", requestId);
            }
            json.writeEndObject();
        });
    }

    /** Anthropic's SDKs read the request's id from {@code request-id} ({@code requestId()} on replies and errors). */
    @Override
    public String requestIdHeader() {
        return "request-id";
    }

    /** Opens an error document and writes {@code "type":"error","error":{...}}; the caller may add fields, then closes it. */
    static void writeError(JsonGenerator json, GatewayException error) throws IOException {
        json.writeStartObject();
        json.writeStringField("type", "error");
        json.writeObjectFieldStart("error");
        json.writeStringField("type", errorType(error));
        json.writeStringField("message", error.getMessage());
        json.writeEndObject();
    }

    /** Anthropic's error type for a status (its documented table), so that clients branch as they would there. */
    static String errorType(GatewayException error) {
        int status = error.status();
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 || error.code() == ErrorCode.INTERNAL ? "api_error" : "invalid_request_error";
        };
    }

    /**
     * Anthropic's {@code stop_reason} for a canonical finish reason; {@code null} stays {@code null} (not finished).
     * A finish reason that already is Anthropic's (from an Anthropic upstream that kept it) is passed on.
     */
    static String stopReason(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "stop" -> "end_turn";
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            case "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal" -> finishReason;
            default -> "end_turn";
        };
    }

    /** Writes Anthropic's usage object; it has no total, and counts what was read and what was written. */
    static void writeUsage(JsonGenerator json, String field, Usage usage) throws IOException {
        json.writeObjectFieldStart(field);
        json.writeNumberField("input_tokens", usage == null ? 0 : usage.promptTokens());
        json.writeNumberField("output_tokens", usage == null ? 0 : usage.completionTokens());
        json.writeEndObject();
    }

    /** Writes a tool call's arguments as the object Anthropic's {@code input} is. */
    static void writeInput(JsonGenerator json, ToolCall call) throws IOException {
        String arguments = call.function() == null ? null : call.function().arguments();
        JsonNode input = null;
        if (arguments != null && !arguments.isBlank()) {
            try {
                input = Json.mapper().readTree(arguments);
            } catch (IOException e) {
                input = null;
            }
            if (input == null || !input.isObject()) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream called the tool '"
                        + call.function().name() + "' with arguments that are not a JSON object");
            }
        }
        json.writeFieldName("input");
        if (input == null) {
            json.writeStartObject();
            json.writeEndObject();
        } else {
            json.writeTree(input);
        }
    }

    /** A tool call the model made itself (not code it ran): the SDK's {@code ToolUseBlock.caller()} expects one. */
    static void writeDirectCaller(JsonGenerator json) throws IOException {
        json.writeObjectFieldStart("caller");
        json.writeStringField("type", "direct");
        json.writeEndObject();
    }

    private static byte[] message(ChatResponse response) {
        ChatResponse.Choice choice = response.choices().isEmpty() ? null : response.choices().get(0);
        Message message = choice == null ? null : choice.message();
        return write(json -> {
            json.writeStartObject();
            json.writeStringField("id", response.id());
            json.writeStringField("type", "message");
            json.writeStringField("role", "assistant");
            json.writeStringField("model", response.model());
            json.writeArrayFieldStart("content");
            if (message != null) {
                String text = message.text();
                if (!text.isEmpty()) {
                    json.writeStartObject();
                    json.writeStringField("type", "text");
                    json.writeStringField("text", text);
                    json.writeEndObject();
                }
                if (message.toolCalls() != null) {
                    for (ToolCall call : message.toolCalls()) {
                        json.writeStartObject();
                        json.writeStringField("type", "tool_use");
                        json.writeStringField("id", call.id());
                        json.writeStringField("name", call.function() == null ? null : call.function().name());
                        writeInput(json, call);
                        writeDirectCaller(json);
                        json.writeEndObject();
                    }
                }
            }
            json.writeEndArray();
            String stop = stopReason(choice == null ? null : choice.finishReason());
            json.writeStringField("stop_reason", stop == null ? "end_turn" : stop);
            json.writeNullField("stop_sequence");
            writeUsage(json, "usage", response.usage());
            json.writeEndObject();
        });
    }

    /** What writes one JSON document. */
    @FunctionalInterface
    interface JsonWriting {
        void writeTo(JsonGenerator json) throws IOException;
    }

    static byte[] write(JsonWriting writing) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = Json.mapper().getFactory().createGenerator(out)) {
            writing.writeTo(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
