package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * One chunk of a streamed chat completion (OpenAI's {@code chat.completion.chunk} object).
 *
 * @param id      the completion's id, the same in every chunk of a stream
 * @param object  {@code chat.completion.chunk}
 * @param created seconds since the epoch
 * @param model   the model that answers, as the client will see it
 * @param choices the deltas of this chunk; empty in a usage-only final chunk
 * @param usage   token usage, usually only in the last chunk, else {@code null}
 * @param extra   every other field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatChunk(
        @JsonProperty("id") String id,
        @JsonProperty("object") String object,
        @JsonProperty("created") long created,
        @JsonProperty("model") String model,
        @JsonProperty("choices") List<Choice> choices,
        @JsonProperty("usage") Usage usage,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public static final String OBJECT = "chat.completion.chunk";

    public ChatChunk {
        choices = choices == null ? List.of() : List.copyOf(choices);
        extra = Extras.copy(extra);
    }

    /** A one-choice chunk carrying a piece of text. */
    public static ChatChunk ofText(String id, long created, String model, String text) {
        return new ChatChunk(id, OBJECT, created, model,
                List.of(new Choice(0, new Delta(null, text, null, null), null, null)), null, null);
    }

    /** @return a copy naming another model */
    public ChatChunk withModel(String newModel) {
        return new ChatChunk(id, object, created, newModel, choices, usage, extra);
    }

    /** @return a copy with other choices */
    public ChatChunk withChoices(List<Choice> newChoices) {
        return new ChatChunk(id, object, created, model, newChoices, usage, extra);
    }

    /**
     * One choice's delta in a chunk.
     *
     * @param index        the choice it belongs to
     * @param delta        what this chunk adds
     * @param finishReason set in the choice's last chunk, else {@code null}
     * @param extra        every other field
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Choice(
            @JsonProperty("index") int index,
            @JsonProperty("delta") Delta delta,
            @JsonProperty("finish_reason") String finishReason,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public Choice {
            extra = Extras.copy(extra);
        }
    }

    /**
     * What one chunk adds to a choice.
     *
     * @param role      the role, in the first chunk only
     * @param content   a piece of text, or {@code null}
     * @param toolCalls pieces of tool calls, or {@code null}
     * @param extra     every other field ({@code refusal}, ...)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(
            @JsonProperty("role") String role,
            @JsonProperty("content") String content,
            @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public Delta {
            toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
            extra = Extras.copy(extra);
        }

        /** @return a copy with other text */
        public Delta withContent(String newContent) {
            return new Delta(role, newContent, toolCalls, extra);
        }
    }

    /**
     * A piece of a tool call. The first piece of a call carries its {@code id}, {@code type} and function name;
     * later pieces carry argument fragments. Pieces of one call share an {@code index}.
     *
     * @param index    which call of the message this piece belongs to
     * @param id       the call's id, in its first piece
     * @param type     {@code function}, in its first piece
     * @param function the name (first piece) and an argument fragment
     * @param extra    every other field
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCallDelta(
            @JsonProperty("index") int index,
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("function") FunctionCall function,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public ToolCallDelta {
            extra = Extras.copy(extra);
        }

        /** A piece without other fields. */
        public ToolCallDelta(int index, String id, String type, FunctionCall function) {
            this(index, id, type, function, null);
        }
    }
}
