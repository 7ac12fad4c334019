package io.portcullis.testkit;

import io.portcullis.runtime.http.ClientDeparture;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The connection-level side of one request a simulator answers, whatever the wire format: writing (blocking) pieces
 * of the answer, pausing, hanging until the client leaves, resetting the connection, and noticing a client that goes
 * away while the answer takes its time. A simulator keeps what its provider's answers look like; this keeps how they
 * travel.
 *
 * <p>Methods that give up because the client went away throw {@link Ended}; the simulator's handler fails Jetty's
 * callback with it, which drops the connection.
 */
final class SimulatedExchange {

    /**
     * Thrown to end the handling of a request whose client went away, or that a fault ended. Quiet: Jetty logs it at
     * debug level, as it is the expected end of such a request.
     */
    static final class Ended extends Exception implements QuietException {
        Ended(String why) {
            super(why, null, false, false);
        }
    }

    private final Request request;
    private final Response response;
    private final EndPoint endPoint;
    private final Runnable onClosedEarly;
    /** Counted down when the client has gone (or the simulator stops): wakes up pauses and hangs. */
    private final CountDownLatch gone = new CountDownLatch(1);
    /** Set once the answer is complete or deliberately broken: a close after that is no early close. */
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile Runnable onGone = () -> { };
    /** The watch for the client's departure, once started; stopped before the last write. */
    private ClientDeparture.Watch watch;

    /**
     * @param request       the request being answered
     * @param response      its response
     * @param onClosedEarly called once if the client closes the connection before the answer is settled
     */
    SimulatedExchange(Request request, Response response, Runnable onClosedEarly) {
        this.request = request;
        this.response = response;
        this.endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        this.onClosedEarly = onClosedEarly;
    }

    /** Marks the answer as complete (or deliberately broken): the client closing after this is no early close. */
    void settle() {
        settled.set(true);
    }

    /**
     * Writes a piece of the answer and waits until it is sent; the last piece completes the response, and the
     * connection stays open for the client's next request.
     */
    void write(String text, boolean last) throws Ended {
        boolean reusable = true;
        if (last) {
            settle();
            // Before the last write: once the client has its answer it may send its next request at once.
            reusable = stopWatching();
        }
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, BufferUtil.toBuffer(text, StandardCharsets.UTF_8), written);
            written.block();
        } catch (IOException e) {
            clientGone();
            throw new Ended("the client closed the connection");
        }
        if (!reusable) {
            ClientDeparture.endAfterLastWrite(request);
        }
    }

    /** Waits for {@code delay}, or ends the exchange early when the client goes away. */
    void pause(Duration delay) throws Ended {
        if (delay.isZero()) {
            return;
        }
        watch();
        try {
            if (gone.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new Ended("the client closed the connection");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Ended("interrupted");
        }
    }

    /** Sends nothing more until the client closes the connection (or the simulator stops). */
    void hangUntilGone() throws Ended {
        watch();
        try {
            gone.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new Ended("the client closed the connection");
    }

    /** Ends the connection with a TCP reset instead of an orderly end of stream. */
    void reset() throws Ended {
        settle();
        try {
            // Linger 0: close() sends a reset.
            if (endPoint.getTransport() instanceof SocketChannel channel) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException e) {
            // The connection is already broken: as good as a reset.
        }
        endPoint.close();
        throw new Ended("the script reset the connection");
    }

    /** Wakes up a pause or a hang because the simulator stops; not counted as an early close. */
    void release() {
        stopping = true;
        gone.countDown();
        onGone.run();
    }

    /** @return whether the client has gone (or the simulator stops) */
    boolean isGone() {
        return gone.getCount() == 0;
    }

    /** Also runs {@code action} when the client goes (or the simulator stops): to wake what else waits for it. */
    void onGone(Runnable action) {
        onGone = action;
    }

    /**
     * Watches the connection for the client's end of stream while the answer takes its time. Jetty reads a
     * connection only when the handler asks for the request's content, so a silent handler would otherwise not
     * notice the client leaving until its next write. The gateway's own watch, stopped before the last write, so
     * that the connection can carry the client's next request.
     */
    void watch() {
        if (watch == null) {
            watch = ClientDeparture.watch(request, this::clientGone);
        }
    }

    /**
     * Stops the watch, if any; the response must not complete while it runs.
     *
     * @return false when the connection must close after this answer (the watch read the client's next request)
     */
    boolean stopWatching() {
        return watch == null || watch.stop();
    }

    private void clientGone() {
        if (!stopping && settled.compareAndSet(false, true)) {
            onClosedEarly.run();
        }
        gone.countDown();
        onGone.run();
    }
}
