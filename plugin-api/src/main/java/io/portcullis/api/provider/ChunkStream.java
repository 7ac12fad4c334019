package io.portcullis.api.provider;

import io.portcullis.api.model.ChatChunk;

import java.util.Optional;

/**
 * A blocking stream of chat chunks.
 *
 * <p>Read with {@link #next()} until it returns empty; then, or whenever the reader gives up, call {@link #close()}.
 * Closing early must release the upstream connection at once (the runtime closes the stream when the client goes
 * away, so the upstream stops generating). Not thread-safe, except that {@code close()} may be called from another
 * thread to interrupt a blocked {@code next()}.
 */
public interface ChunkStream extends AutoCloseable {

    /**
     * Blocks until the next chunk arrives.
     *
     * @return the next chunk, or empty at the end of the stream and after {@link #close()}
     * @throws io.portcullis.api.error.GatewayException when the upstream fails mid-stream
     */
    Optional<ChatChunk> next();

    /** Ends the stream and releases the upstream connection; idempotent. */
    @Override
    void close();
}
