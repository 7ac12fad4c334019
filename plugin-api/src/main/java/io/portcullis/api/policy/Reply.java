package io.portcullis.api.policy;

import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.ChatResponseAssembler;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.ForwardingChunkStream;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What the pipeline answers: a complete chat response, a stream of chunks, or embeddings.
 *
 * <p>A policy that wants to see the outcome whatever its form uses {@link #onComplete}; one that rewrites a stream
 * wraps it in a {@link ForwardingChunkStream} and returns a new {@link Streaming}.
 */
public sealed interface Reply permits Reply.Complete, Reply.Streaming, Reply.Embeddings {

    /**
     * Arranges for {@code hook} to see how this reply ends. For a complete reply it runs at once; for a stream it
     * runs when the stream ends or is closed, with the response the chunks assembled to. The hook runs on the
     * request's thread; an exception it throws is logged and does not reach the client.
     *
     * @return the reply to return in place of this one
     */
    Reply onComplete(Consumer<Completion> hook);

    /**
     * @return the response headers to send with this reply (rate-limit state, cache status, ...), in addition to
     *         the ones the runtime sets
     */
    Map<String, String> headers();

    /** @return a copy of this reply that also sends the given response header */
    Reply withHeader(String name, String value);

    private static Map<String, String> plus(Map<String, String> headers, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return Collections.unmodifiableMap(copy);
    }

    /** A reply that arrived whole. */
    record Complete(ChatResponse response, Map<String, String> headers) implements Reply {
        public Complete(ChatResponse response) {
            this(response, Map.of());
        }

        @Override
        public Reply withHeader(String name, String value) {
            return new Complete(response, plus(headers, name, value));
        }

        @Override
        public Reply onComplete(Consumer<Completion> hook) {
            hook.accept(new Completion(response, response.usage(), true));
            return this;
        }
    }

    /** A reply that arrives chunk by chunk; whoever receives it last must close the stream. */
    record Streaming(ChunkStream chunks, Map<String, String> headers) implements Reply {
        public Streaming(ChunkStream chunks) {
            this(chunks, Map.of());
        }

        @Override
        public Reply withHeader(String name, String value) {
            return new Streaming(chunks, plus(headers, name, value));
        }

        @Override
        public Reply onComplete(Consumer<Completion> hook) {
            return new Streaming(new AssemblingStream(chunks, hook), headers);
        }
    }

    /** Embeddings. */
    record Embeddings(EmbeddingResponse response, Map<String, String> headers) implements Reply {
        public Embeddings(EmbeddingResponse response) {
            this(response, Map.of());
        }

        @Override
        public Reply withHeader(String name, String value) {
            return new Embeddings(response, plus(headers, name, value));
        }

        @Override
        public Reply onComplete(Consumer<Completion> hook) {
            hook.accept(new Completion(null, response.usage(), true));
            return this;
        }
    }

    /** Assembles the chunks it passes on, and reports them once: at the end, or on an early close. */
    final class AssemblingStream extends ForwardingChunkStream {
        private final ChatResponseAssembler assembler = new ChatResponseAssembler();
        private final Consumer<Completion> hook;
        // close() may come from another thread (the client went away) while next() runs: report exactly once.
        private final AtomicBoolean reported = new AtomicBoolean();

        private AssemblingStream(ChunkStream delegate, Consumer<Completion> hook) {
            super(delegate);
            this.hook = hook;
        }

        @Override
        public Optional<ChatChunk> next() {
            Optional<ChatChunk> chunk = super.next();
            chunk.ifPresentOrElse(assembler::add, () -> report(true));
            return chunk;
        }

        @Override
        public void close() {
            try {
                super.close();
            } finally {
                report(false);
            }
        }

        private void report(boolean finished) {
            if (reported.compareAndSet(false, true)) {
                hook.accept(new Completion(assembler.build(), assembler.usage(), finished));
            }
        }
    }
}
