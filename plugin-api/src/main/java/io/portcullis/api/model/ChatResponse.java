package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * A complete chat completion (OpenAI's {@code chat.completion} object).
 *
 * @param id      the completion's id
 * @param object  {@code chat.completion}
 * @param created seconds since the epoch
 * @param model   the model that answered, as the client will see it
 * @param choices the choices, usually one
 * @param usage   token usage, or {@code null} when the upstream did not report it
 * @param extra   every other field ({@code system_fingerprint}, {@code service_tier}, ...)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatResponse(
        @JsonProperty("id") String id,
        @JsonProperty("object") String object,
        @JsonProperty("created") long created,
        @JsonProperty("model") String model,
        @JsonProperty("choices") List<Choice> choices,
        @JsonProperty("usage") Usage usage,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public static final String OBJECT = "chat.completion";

    public ChatResponse {
        choices = choices == null ? List.of() : List.copyOf(choices);
        extra = Extras.copy(extra);
    }

    /** A one-choice response with an assistant's text. */
    public static ChatResponse ofText(String id, long created, String model, String text, String finishReason,
                                      Usage usage) {
        return new ChatResponse(id, OBJECT, created, model,
                List.of(new Choice(0, Message.of(Message.ASSISTANT, text), finishReason, null)), usage, null);
    }

    /** @return the first choice's text, or an empty string */
    public String text() {
        return choices.isEmpty() || choices.get(0).message() == null ? "" : choices.get(0).message().text();
    }

    /** @return a copy naming another model (the router puts the public name back) */
    public ChatResponse withModel(String newModel) {
        return new ChatResponse(id, object, created, newModel, choices, usage, extra);
    }

    /** @return a copy with other choices */
    public ChatResponse withChoices(List<Choice> newChoices) {
        return new ChatResponse(id, object, created, model, newChoices, usage, extra);
    }

    /**
     * One choice of a complete response.
     *
     * @param index        its position
     * @param message      the assistant's message
     * @param finishReason {@code stop}, {@code length}, {@code tool_calls}, {@code content_filter}
     * @param extra        every other field ({@code logprobs}, ...)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Choice(
            @JsonProperty("index") int index,
            @JsonProperty("message") Message message,
            @JsonProperty("finish_reason") String finishReason,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public Choice {
            extra = Extras.copy(extra);
        }
    }
}
