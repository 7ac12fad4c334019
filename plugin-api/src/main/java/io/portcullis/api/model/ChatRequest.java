package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * A chat completion request, as the client asked for it (OpenAI's {@code POST /v1/chat/completions} body).
 *
 * <p>Only the fields the gateway reasons about are modelled; everything else ({@code seed}, {@code response_format},
 * {@code logprobs}, {@code n}, ...) travels in {@link #extra()} and reaches the upstream unchanged.
 *
 * @param model               the public model name the client asked for; the router maps it to a provider's model
 * @param messages            the conversation, oldest first
 * @param stream              {@code true} for a streamed reply; {@code null} means {@code false}
 * @param temperature         sampling temperature, or {@code null} for the upstream's default
 * @param topP                nucleus sampling, or {@code null}
 * @param maxTokens           the legacy output-token cap ({@code max_tokens}), or {@code null}
 * @param maxCompletionTokens the newer output-token cap ({@code max_completion_tokens}), or {@code null}
 * @param stop                stop sequences; a single string on the wire becomes a one-element list
 * @param tools               the tools the model may call, or {@code null}
 * @param toolChoice          {@code "auto"}, {@code "none"}, {@code "required"} or an object naming a tool; kept as JSON
 * @param user                an end-user identifier the client passes through, or {@code null}
 * @param extra               every other field of the request body, in arrival order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatRequest(
        @JsonProperty("model") String model,
        @JsonProperty("messages") List<Message> messages,
        @JsonProperty("stream") Boolean stream,
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @JsonProperty("stop") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> stop,
        @JsonProperty("tools") List<Tool> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("user") String user,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) implements GatewayRequest {

    public ChatRequest {
        messages = messages == null ? null : List.copyOf(messages);
        stop = stop == null ? null : List.copyOf(stop);
        tools = tools == null ? null : List.copyOf(tools);
        extra = Extras.copy(extra);
    }

    /** A minimal request: a model and its messages. */
    public static ChatRequest of(String model, List<Message> messages) {
        return new ChatRequest(model, messages, null, null, null, null, null, null, null, null, null, null);
    }

    /** @return whether the client asked for a streamed reply */
    @JsonIgnore
    public boolean isStreaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** @return a copy asking for another model (the router uses this to name the upstream's model) */
    public ChatRequest withModel(String newModel) {
        return new ChatRequest(newModel, messages, stream, temperature, topP, maxTokens, maxCompletionTokens, stop,
                tools, toolChoice, user, extra);
    }

    /** @return a copy with other messages (a redaction or memory policy uses this) */
    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(model, newMessages, stream, temperature, topP, maxTokens, maxCompletionTokens, stop,
                tools, toolChoice, user, extra);
    }

    /** @return a copy with {@code stream} set as given */
    public ChatRequest withStream(boolean newStream) {
        return new ChatRequest(model, messages, newStream, temperature, topP, maxTokens, maxCompletionTokens, stop,
                tools, toolChoice, user, extra);
    }

    /** @return a copy with other unmodelled fields */
    public ChatRequest withExtra(Map<String, JsonNode> newExtra) {
        return new ChatRequest(model, messages, stream, temperature, topP, maxTokens, maxCompletionTokens, stop,
                tools, toolChoice, user, newExtra);
    }

    /** @return the text of the last message whose role is {@code user}, or an empty string when there is none */
    public String lastUserText() {
        if (messages != null) {
            for (int i = messages.size() - 1; i >= 0; i--) {
                Message message = messages.get(i);
                if (Message.USER.equals(message.role())) {
                    return message.text();
                }
            }
        }
        return "";
    }
}
