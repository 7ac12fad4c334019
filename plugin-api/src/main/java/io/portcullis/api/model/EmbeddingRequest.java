package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * An embeddings request (OpenAI's {@code POST /v1/embeddings} body).
 *
 * <p>The wire's {@code encoding_format} is an affair of the edge: providers always return floats, and the OpenAI
 * codec writes base64 when the client asked for it.
 *
 * @param model      the public model name
 * @param input      the texts to embed; a single string on the wire becomes a one-element list
 * @param dimensions the number of dimensions wanted, for models that can shorten their vectors, or {@code null}
 * @param user       an end-user identifier, or {@code null}
 * @param extra      every other field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbeddingRequest(
        @JsonProperty("model") String model,
        @JsonProperty("input") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> input,
        @JsonProperty("dimensions") Integer dimensions,
        @JsonProperty("user") String user,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) implements GatewayRequest {

    public EmbeddingRequest {
        input = input == null ? null : List.copyOf(input);
        extra = Extras.copy(extra);
    }

    /** A request for the given model and texts. */
    public static EmbeddingRequest of(String model, List<String> input) {
        return new EmbeddingRequest(model, input, null, null, null);
    }

    /** @return a copy asking for another model */
    public EmbeddingRequest withModel(String newModel) {
        return new EmbeddingRequest(newModel, input, dimensions, user, extra);
    }

    /** @return a copy with other texts */
    public EmbeddingRequest withInput(List<String> newInput) {
        return new EmbeddingRequest(model, newInput, dimensions, user, extra);
    }
}
