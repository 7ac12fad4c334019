package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * A tool call an assistant message makes.
 *
 * @param id       the call's id, which the {@code tool} message answering it repeats
 * @param type     {@code function}
 * @param function the function's name and its arguments as a JSON string
 * @param extra    every other field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(
        @JsonProperty("id") String id,
        @JsonProperty("type") String type,
        @JsonProperty("function") FunctionCall function,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public ToolCall {
        extra = Extras.copy(extra);
    }

    /** A function call with the given id, name and JSON arguments. */
    public static ToolCall function(String id, String name, String argumentsJson) {
        return new ToolCall(id, "function", new FunctionCall(name, argumentsJson), null);
    }
}
