package io.portcullis.runtime.pipeline;

import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ForwardingChunkStream;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests running on one generation of the route table, so that a plugin reload can swap in new routes
 * and wait for the old ones to be idle before their plugins are unloaded. A request counts from the moment its
 * pipeline starts until its reply is returned (complete answers) or its stream is closed (streamed answers).
 */
public final class InFlight {

    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;

    /** Counts one more request. */
    void enter() {
        count.incrementAndGet();
    }

    /** Counts one request less. */
    void exit() {
        if (count.decrementAndGet() == 0 && draining) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Counts the request done when its reply is: now for a complete one, when its stream is closed otherwise. */
    Reply exitWhenDone(Reply reply) {
        if (reply instanceof Reply.Streaming streaming) {
            AtomicBoolean closed = new AtomicBoolean();
            return new Reply.Streaming(new ForwardingChunkStream(streaming.chunks()) {
                @Override
                public void close() {
                    try {
                        super.close();
                    } finally {
                        if (closed.compareAndSet(false, true)) {
                            exit();
                        }
                    }
                }
            }, streaming.headers());
        }
        exit();
        return reply;
    }

    /** @return the requests running now */
    public int count() {
        return count.get();
    }

    /**
     * Waits until no request runs, or the timeout passes.
     *
     * @return whether it became idle
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (count.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
