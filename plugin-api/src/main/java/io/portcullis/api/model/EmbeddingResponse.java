package io.portcullis.api.model;

import java.util.List;

/**
 * Embeddings, one per input text, in input order.
 *
 * @param model the model that made them, as the client will see it
 * @param data  the vectors
 * @param usage token usage ({@code completion_tokens} is 0), or {@code null}
 */
public record EmbeddingResponse(String model, List<Embedding> data, Usage usage) {

    public EmbeddingResponse {
        data = List.copyOf(data);
    }

    /** @return a copy naming another model */
    public EmbeddingResponse withModel(String newModel) {
        return new EmbeddingResponse(newModel, data, usage);
    }

    /**
     * One vector.
     *
     * @param index  the position of its input text
     * @param vector the values; callers must not modify the array
     */
    public record Embedding(int index, float[] vector) {
    }
}
