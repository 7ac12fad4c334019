package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A function's name and arguments. In a stream both arrive in pieces: the name once, the arguments as fragments of
 * a JSON string to concatenate.
 *
 * @param name      the function's name
 * @param arguments the arguments, a JSON object serialised as a string (possibly a fragment, in a stream)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FunctionCall(@JsonProperty("name") String name, @JsonProperty("arguments") String arguments) {
}
