package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A model as {@code GET /v1/models} lists it.
 *
 * @param id      the model's name
 * @param object  {@code model}
 * @param created seconds since the epoch
 * @param ownedBy who serves it
 */
public record ModelInfo(
        @JsonProperty("id") String id,
        @JsonProperty("object") String object,
        @JsonProperty("created") long created,
        @JsonProperty("owned_by") String ownedBy) {

    /** A model entry with {@code object} set to {@code model}. */
    public static ModelInfo of(String id, long created, String ownedBy) {
        return new ModelInfo(id, "model", created, ownedBy);
    }
}
