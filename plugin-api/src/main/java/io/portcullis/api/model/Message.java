package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * One message of a conversation.
 *
 * @param role       {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param content    the text and other parts; {@code null} for an assistant message that only calls tools
 * @param name       an optional participant name
 * @param toolCalls  the tool calls an assistant message makes, or {@code null}
 * @param toolCallId for a {@code tool} message, the id of the call it answers
 * @param extra      every other field ({@code refusal}, {@code audio}, ...), kept for the round trip
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(
        @JsonProperty("role") String role,
        @JsonProperty("content") Content content,
        @JsonProperty("name") String name,
        @JsonProperty("tool_calls") List<ToolCall> toolCalls,
        @JsonProperty("tool_call_id") String toolCallId,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String TOOL = "tool";

    public Message {
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
        extra = Extras.copy(extra);
    }

    /** A plain-text message. */
    public static Message of(String role, String text) {
        return new Message(role, Content.text(text), null, null, null, null);
    }

    /** @return the concatenated text parts, or an empty string when there are none */
    public String text() {
        return content == null ? "" : content.text();
    }

    /** @return a copy with other content (the tool calls and other fields stay) */
    public Message withContent(Content newContent) {
        return new Message(role, newContent, name, toolCalls, toolCallId, extra);
    }

    /** @return a copy with other tool calls */
    public Message withToolCalls(List<ToolCall> newToolCalls) {
        return new Message(role, content, name, newToolCalls, toolCallId, extra);
    }
}
