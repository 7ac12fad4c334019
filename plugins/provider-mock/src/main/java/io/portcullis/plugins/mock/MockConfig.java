package io.portcullis.plugins.mock;

import java.util.List;

/**
 * The keys of a {@code type: mock} entry under {@code providers:}. Every key is optional; a missing key takes its
 * default.
 *
 * @param chunks              how many content chunks a streamed reply is split into (default 8, at least 1)
 * @param chunkDelayMs        milliseconds to wait between two chunks of a stream (default 0, at least 0)
 * @param embeddingDimensions the length of the vectors {@code /v1/embeddings} returns when the request does not ask
 *                            for a length (default 384, 1 to 4096)
 * @param models              the model ids {@code GET /v1/models} lists for this provider (default {@code [mock]})
 */
public record MockConfig(Integer chunks, Integer chunkDelayMs, Integer embeddingDimensions, List<String> models) {

    public static final int DEFAULT_CHUNKS = 8;
    public static final int DEFAULT_CHUNK_DELAY_MS = 0;
    public static final int DEFAULT_EMBEDDING_DIMENSIONS = 384;
    public static final int MAX_EMBEDDING_DIMENSIONS = 4096;
    public static final List<String> DEFAULT_MODELS = List.of("mock");

    /** Fills in defaults and rejects values the provider cannot work with. */
    public MockConfig {
        // Boxed components so that a key missing from the YAML (bound as null) is told apart from an explicit 0.
        chunks = chunks == null ? DEFAULT_CHUNKS : chunks;
        chunkDelayMs = chunkDelayMs == null ? DEFAULT_CHUNK_DELAY_MS : chunkDelayMs;
        embeddingDimensions = embeddingDimensions == null ? DEFAULT_EMBEDDING_DIMENSIONS : embeddingDimensions;
        models = models == null ? DEFAULT_MODELS : models;

        if (chunks < 1) {
            throw new IllegalArgumentException("chunks must be at least 1, was " + chunks);
        }
        if (chunkDelayMs < 0) {
            throw new IllegalArgumentException("chunkDelayMs must be 0 or more milliseconds, was " + chunkDelayMs);
        }
        checkDimensions("embeddingDimensions", embeddingDimensions);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("models must list at least one model id, was an empty list");
        }
        for (String model : models) {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("models must contain non-blank model ids, was " + models);
            }
        }
        models = List.copyOf(models);
    }

    /** @return the configuration of an entry that sets no keys */
    public static MockConfig defaults() {
        return new MockConfig(null, null, null, null);
    }

    /**
     * Rejects an embedding length outside 1..{@value #MAX_EMBEDDING_DIMENSIONS}.
     *
     * @param what  the name of the setting or field, for the message
     * @param value the length to check
     */
    static void checkDimensions(String what, int value) {
        if (value < 1 || value > MAX_EMBEDDING_DIMENSIONS) {
            throw new IllegalArgumentException(
                    what + " must be between 1 and " + MAX_EMBEDDING_DIMENSIONS + ", was " + value);
        }
    }
}
