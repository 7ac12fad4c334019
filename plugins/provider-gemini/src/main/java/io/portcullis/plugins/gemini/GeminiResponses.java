package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.portcullis.plugins.gemini.GeminiProvider.JSON;

/**
 * Gemini's answers ({@code GenerateContentResponse}) to the canonical model: candidates to choices, {@code text}
 * parts to content, {@code functionCall} parts to tool calls, {@code usageMetadata} to usage, and finish reasons
 * (a candidate's, or the prompt's {@code promptFeedback.blockReason}) to OpenAI's.
 *
 * <p>Gemini gives function calls no id; the canonical model needs one that the {@code tool} message answering the
 * call repeats. The id is made from the call's position and name, {@code call_<n>_<name>}: stable (the same answer
 * gets the same ids, which caches rely on) and enough to find the function's name again if the conversation the
 * client sends back lacks the assistant message.
 */
final class GeminiResponses {

    static final String CALL_ID_PREFIX = "call_";
    static final String CALL_ID_PATTERN = "call_\\d+_.+";

    /** The finish reasons that say a filter stopped the answer: OpenAI's {@code content_filter}. */
    private static final Set<String> FILTERS = Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
            "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION");
    static final String CONTENT_FILTER = "content_filter";

    private GeminiResponses() {
    }

    /** @return the id of the {@code n}-th function call of an answer */
    static String callId(int n, String name) {
        return CALL_ID_PREFIX + n + "_" + name;
    }

    /** @return the completion id for an answer: Gemini's {@code responseId} when it gives one */
    static String completionId(JsonNode answer) {
        String responseId = answer.path("responseId").asText("");
        return "chatcmpl-" + (responseId.isEmpty() ? UUID.randomUUID().toString() : responseId);
    }

    /** @return a whole answer as a chat completion */
    static ChatResponse chat(JsonNode answer, String model, long created) {
        List<ChatResponse.Choice> choices = new ArrayList<>();
        String blockReason = answer.path("promptFeedback").path("blockReason").asText(null);
        JsonNode candidates = answer.path("candidates");
        if (blockReason != null && candidates.isEmpty()) {
            Message refused = new Message(Message.ASSISTANT, null, null, null, null, refusal(blockReason, true));
            choices.add(new ChatResponse.Choice(0, refused, CONTENT_FILTER, null));
        }
        for (JsonNode candidate : candidates) {
            Parts parts = Parts.of(candidate, 0);
            List<ToolCall> calls = parts.calls().isEmpty() ? null : parts.calls();
            String finish = finishReason(candidate.path("finishReason").asText(null), calls != null);
            Content content = !parts.text().isEmpty() || calls == null && !CONTENT_FILTER.equals(finish)
                    ? Content.text(parts.text()) : null;
            Map<String, JsonNode> extra = CONTENT_FILTER.equals(finish) && content == null
                    ? refusal(candidate.path("finishReason").asText(), false) : null;
            choices.add(new ChatResponse.Choice(candidate.path("index").asInt(choices.size()),
                    new Message(Message.ASSISTANT, content, null, calls, null, extra), finish, null));
        }
        if (choices.isEmpty()) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream answered without a candidate");
        }
        return new ChatResponse(completionId(answer), ChatResponse.OBJECT, created, model, choices,
                usage(answer.get("usageMetadata")), null);
    }

    /**
     * Maps a finish reason.
     *
     * @param reason         Gemini's {@code finishReason}, or {@code null} while a stream goes on
     * @param calledFunction whether the candidate called a function (Gemini then still says {@code STOP})
     * @return {@code stop}, {@code length}, {@code tool_calls}, {@code content_filter}, or {@code null}
     */
    static String finishReason(String reason, boolean calledFunction) {
        if (reason == null || reason.isEmpty()) {
            return null;
        }
        if (FILTERS.contains(reason)) {
            return CONTENT_FILTER;
        }
        if (reason.equals("MAX_TOKENS")) {
            return "length";
        }
        // STOP, and the rest (MALFORMED_FUNCTION_CALL, OTHER, ...): the model has stopped, nothing more to say.
        return calledFunction ? "tool_calls" : "stop";
    }

    /**
     * Maps {@code usageMetadata}: the thinking tokens count as completion tokens (they are billed as output, and
     * OpenAI counts its reasoning tokens the same way), and are named in {@code completion_tokens_details}.
     */
    static Usage usage(JsonNode metadata) {
        if (metadata == null || !metadata.isObject()) {
            return null;
        }
        int prompt = metadata.path("promptTokenCount").asInt() + metadata.path("toolUsePromptTokenCount").asInt();
        int thoughts = metadata.path("thoughtsTokenCount").asInt();
        int completion = metadata.path("candidatesTokenCount").asInt() + thoughts;
        int total = metadata.path("totalTokenCount").asInt(prompt + completion);
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        if (metadata.has("cachedContentTokenCount")) {
            extra.put("prompt_tokens_details", JSON.createObjectNode()
                    .put("cached_tokens", metadata.get("cachedContentTokenCount").asInt()));
        }
        if (thoughts > 0) {
            extra.put("completion_tokens_details", JSON.createObjectNode().put("reasoning_tokens", thoughts));
        }
        return new Usage(prompt, completion, total, extra);
    }

    /** OpenAI's {@code refusal} field for a filtered answer: what stopped it, in words a client can show. */
    static Map<String, JsonNode> refusal(String reason, boolean prompt) {
        String text = prompt ? "Gemini blocked the prompt (" + reason + ")"
                : "Gemini stopped the answer (" + reason + ")";
        return Map.of("refusal", JSON.getNodeFactory().textNode(text));
    }

    /**
     * The text and function calls of a candidate's parts; thoughts ({@code "thought": true}) are left out.
     *
     * @param text  the text parts joined
     * @param calls the function calls, with ids numbered from the {@code firstCall} given
     */
    record Parts(String text, List<ToolCall> calls) {

        static Parts of(JsonNode candidate, int firstCall) {
            StringBuilder text = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.path("thought").asBoolean(false)) {
                    continue;
                }
                if (part.has("text")) {
                    text.append(part.get("text").asText());
                }
                JsonNode call = part.get("functionCall");
                if (call != null) {
                    String name = call.path("name").asText();
                    JsonNode args = call.has("args") ? call.get("args") : JSON.createObjectNode();
                    calls.add(ToolCall.function(callId(firstCall + calls.size(), name), name, args.toString()));
                }
            }
            return new Parts(text.toString(), calls);
        }
    }
}
