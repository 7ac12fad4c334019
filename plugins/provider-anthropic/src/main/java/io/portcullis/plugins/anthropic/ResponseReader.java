package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.portcullis.plugins.anthropic.AnthropicProvider.JSON;

/**
 * Reads Anthropic's {@code message} object as a canonical chat completion: the text blocks joined, each
 * {@code tool_use} block a tool call (its {@code input} as the arguments' JSON string), the stop reason as a finish
 * reason, the usage in OpenAI's terms. Thinking blocks are not part of the canonical answer and are left out.
 */
final class ResponseReader {

    private ResponseReader() {
    }

    /** @param message Anthropic's {@code message} object */
    static ChatResponse read(JsonNode message) {
        StringBuilder text = new StringBuilder();
        boolean sawText = false;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> {
                    text.append(block.path("text").asText(""));
                    sawText = true;
                }
                case "tool_use" -> calls.add(ToolCall.function(block.path("id").asText(),
                        block.path("name").asText(), block.path("input").toString()));
                default -> {
                    // thinking, redacted_thinking, server tool blocks: nothing an OpenAI client can read.
                }
            }
        }
        Content content = sawText || calls.isEmpty() ? Content.text(text.toString()) : null;
        Message answer = new Message(Message.ASSISTANT, content, null, calls.isEmpty() ? null : calls, null, null);
        ChatResponse.Choice choice = new ChatResponse.Choice(0, answer,
                finishReason(message.path("stop_reason").asText(null)), null);
        return new ChatResponse(message.path("id").asText(null), ChatResponse.OBJECT, Instant.now().getEpochSecond(),
                message.path("model").asText(null), List.of(choice), usage(message.get("usage")), null);
    }

    /**
     * Anthropic's stop reason as OpenAI's finish reason: a natural end or a stop sequence is {@code stop}, running
     * out of tokens or context {@code length}, calling tools {@code tool_calls}, a refusal {@code content_filter}
     * (so that a router can fall back as it would on OpenAI's content filter).
     */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";   // end_turn, stop_sequence, pause_turn, and reasons newer than this plugin
        };
    }

    /**
     * Anthropic's usage in OpenAI's terms. Anthropic counts cached input apart from {@code input_tokens}; OpenAI's
     * {@code prompt_tokens} includes it, with the cache reads in {@code prompt_tokens_details.cached_tokens}.
     *
     * @return the usage, or {@code null} when there is none
     */
    static Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        int cacheRead = usage.path("cache_read_input_tokens").asInt(0);
        int prompt = usage.path("input_tokens").asInt(0) + usage.path("cache_creation_input_tokens").asInt(0)
                + cacheRead;
        int completion = usage.path("output_tokens").asInt(0);
        ObjectNode details = JSON.createObjectNode().put("cached_tokens", cacheRead);
        return new Usage(prompt, completion, prompt + completion, Map.of("prompt_tokens_details", details));
    }
}
