package io.portcullis.plugins.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.SseEventReader;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chunks of an OpenAI-compatible event stream, passed on as they are (the usage-only last chunk included),
 * until {@code data: [DONE]}.
 */
final class SseChunkStream implements ChunkStream {

    private static final String DONE = "[DONE]";

    private final String providerId;
    private final UpstreamResponse response;
    private final SseEventReader events;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Volatile: close() may run on another thread (the client gone). */
    private volatile boolean ended;
    private boolean finished;

    SseChunkStream(String providerId, UpstreamResponse response) {
        this.providerId = providerId;
        this.response = response;
        this.events = new SseEventReader(response.body());
    }

    @Override
    public Optional<ChatChunk> next() {
        if (ended) {
            return Optional.empty();
        }
        String data = nextData();
        if (data == null || data.equals(DONE)) {
            ended = true;
            if (data == null && !finished) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                        "the upstream ended its stream before the answer was complete");
            }
            return Optional.empty();
        }
        ChatChunk chunk;
        try {
            chunk = OpenAiProvider.JSON.readValue(data, ChatChunk.class);
        } catch (JsonProcessingException e) {
            throw UpstreamErrors.unreadable("a stream chunk", e);
        }
        if (chunk.extra().containsKey("error")) {
            throw UpstreamErrors.inStream(providerId, chunk.extra().get("error"));
        }
        // Servers that skip [DONE] end their stream after the finish reason (or the usage after it): that is an end.
        finished |= chunk.choices().stream().anyMatch(choice -> choice.finishReason() != null);
        return Optional.of(chunk);
    }

    private String nextData() {
        try {
            return events.next();
        } catch (IOException e) {
            if (closed.get()) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the stream was closed before its end", e);
            }
            throw UpstreamErrors.brokenBody(e);
        }
    }

    /**
     * Closes the upstream response: after {@code data: [DONE]}, so that the transport can keep the connection for another call;
     * before it, aborting the exchange (and so the upstream's generation).
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (ended) {
                response.closeAtEnd();
            } else {
                response.close();
            }
        }
    }
}
