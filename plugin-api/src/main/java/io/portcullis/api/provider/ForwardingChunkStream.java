package io.portcullis.api.provider;

import io.portcullis.api.model.ChatChunk;

import java.util.Objects;
import java.util.Optional;

/**
 * A stream that passes everything to another; extend it to look at or rewrite chunks on their way.
 *
 * <pre>{@code
 * return new Reply.Streaming(new ForwardingChunkStream(streaming.chunks()) {
 *     public Optional<ChatChunk> next() {
 *         return super.next().map(this::restorePlaceholders);
 *     }
 * });
 * }</pre>
 */
public class ForwardingChunkStream implements ChunkStream {

    private final ChunkStream delegate;

    /** @param delegate the stream to read from */
    public ForwardingChunkStream(ChunkStream delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Optional<ChatChunk> next() {
        return delegate.next();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
