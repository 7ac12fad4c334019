package io.portcullis.plugins.mock;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Plays prepared chunks back, waiting a fixed delay before every chunk but the first, like an upstream that
 * generates at a steady pace.
 *
 * <p>The wait is on a latch that {@link #close()} opens, so closing from another thread (the runtime does when the
 * client goes away) ends a waiting {@link #next()} at once, which then reports the end of the stream. A wait never
 * runs past the call's deadline: the stream fails with {@link ErrorCode#UPSTREAM_TIMEOUT} instead, as a real
 * provider's would.
 */
final class MockChunkStream implements ChunkStream {

    private final String providerId;
    private final List<ChatChunk> chunks;
    private final Duration delay;
    private final CallContext call;
    private final CountDownLatch closed = new CountDownLatch(1);
    private int next;

    /**
     * @param providerId the provider's id, for error messages
     * @param chunks     the chunks to play, in order
     * @param delay      the wait before each chunk after the first
     * @param call       the call, whose deadline bounds the waits; {@code null} (or a {@code null} deadline) for none
     */
    MockChunkStream(String providerId, List<ChatChunk> chunks, Duration delay, CallContext call) {
        this.providerId = providerId;
        this.chunks = List.copyOf(chunks);
        this.delay = delay;
        this.call = call;
    }

    @Override
    public Optional<ChatChunk> next() {
        if (isClosed() || next >= chunks.size()) {
            return Optional.empty();
        }
        if (next > 0 && !delay.isZero() && closedWhileWaiting()) {
            return Optional.empty();
        }
        return Optional.of(chunks.get(next++));
    }

    @Override
    public void close() {
        closed.countDown();
    }

    private boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Waits the delay, or less if the stream is closed meanwhile; @return whether it was closed */
    private boolean closedWhileWaiting() {
        Duration left = call == null || call.deadline() == null ? delay : call.remaining();
        boolean deadlineFirst = left.compareTo(delay) < 0;
        Duration wait = deadlineFirst ? left : delay;
        try {
            if (closed.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                    "mock provider '" + providerId + "' was interrupted in the middle of a stream", e);
        }
        if (deadlineFirst) {
            close();
            throw new GatewayException(ErrorCode.UPSTREAM_TIMEOUT,
                    "mock provider '" + providerId + "' could not finish the stream before the request's deadline");
        }
        return false;
    }
}
