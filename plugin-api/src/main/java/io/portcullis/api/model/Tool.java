package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * A tool the model may call.
 *
 * @param type     {@code function}
 * @param function the function's declaration
 * @param extra    every other field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tool(
        @JsonProperty("type") String type,
        @JsonProperty("function") Function function,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public Tool {
        extra = Extras.copy(extra);
    }

    /**
     * A function declaration.
     *
     * @param name        the name the model calls it by
     * @param description what it does, for the model
     * @param parameters  a JSON Schema of its arguments
     * @param strict      whether the upstream must follow the schema exactly, or {@code null}
     * @param extra       every other field
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Function(
            @JsonProperty("name") String name,
            @JsonProperty("description") String description,
            @JsonProperty("parameters") JsonNode parameters,
            @JsonProperty("strict") Boolean strict,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public Function {
            extra = Extras.copy(extra);
        }
    }
}
