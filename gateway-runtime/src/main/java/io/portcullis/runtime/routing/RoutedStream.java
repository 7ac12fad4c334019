package io.portcullis.runtime.routing;

import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.ForwardingChunkStream;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A provider's stream as the router hands it on: the chunks read ahead (while a fallback was still possible) come
 * first, every chunk names the public model, and the usage chunk's usage is reported as it passes.
 */
final class RoutedStream extends ForwardingChunkStream {

    private final Deque<ChatChunk> ahead;
    private final boolean endedAhead;
    private final String publicName;
    private final Consumer<Usage> onUsage;

    /**
     * @param upstream   the provider's stream, already read from
     * @param ahead      the chunks read so far
     * @param endedAhead whether the stream ended while it was read ahead
     * @param publicName the model name the client asked for
     * @param onUsage    told each usage a chunk carries
     */
    RoutedStream(ChunkStream upstream, List<ChatChunk> ahead, boolean endedAhead, String publicName,
                 Consumer<Usage> onUsage) {
        super(upstream);
        this.ahead = new ArrayDeque<>(ahead);
        this.endedAhead = endedAhead;
        this.publicName = publicName;
        this.onUsage = onUsage;
    }

    /** @return whether a chunk read ahead (and not yet handed on) ends a choice with this finish reason */
    boolean finishedAhead(String finishReason) {
        return ahead.stream().flatMap(chunk -> chunk.choices().stream())
                .anyMatch(choice -> finishReason.equals(choice.finishReason()));
    }

    @Override
    public Optional<ChatChunk> next() {
        ChatChunk chunk = ahead.poll();
        if (chunk == null) {
            if (endedAhead) {
                return Optional.empty();
            }
            chunk = super.next().orElse(null);
            if (chunk == null) {
                return Optional.empty();
            }
        }
        if (chunk.usage() != null) {
            onUsage.accept(chunk.usage());
        }
        return Optional.of(chunk.withModel(publicName));
    }
}
