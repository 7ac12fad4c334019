package io.portcullis.runtime.http;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Notices a client that goes away while the data plane waits on a silent upstream.
 *
 * <p>Jetty reads an HTTP/1 connection only when a handler asks for the request's content. A handler blocked on the
 * upstream (a model that thinks before its first token, or between two) would learn that its client left only at its
 * next write, and the upstream would go on generating, and billing, for no one. The watch asks Jetty to report the
 * connection's next input instead: a client waiting for its answer sends nothing, so input is almost always its end
 * of stream. HTTP/2 and later report a client's reset by themselves and are not watched.
 *
 * <p>The watch must be {@linkplain Watch#stop() stopped} before the response completes: Jetty's connection reads
 * the next request only if nobody else is interested in its input (a pending read makes it close the connection).
 * Jetty has no call to withdraw a fill interest, so stopping fires it: the watcher, woken that way, reads nothing
 * and does not ask again. A stopped watch leaves the connection as it found it, and the connection carries the
 * client's next request.
 *
 * <p>Public so that the test kit's upstream simulators, which face the same problem, watch the same way.
 */
public final class ClientDeparture {

    /** The watch on one request's connection. */
    public interface Watch {

        /**
         * Stops watching; idempotent. Call it before the response's last write: once a client has its answer, it
         * may send its next request at once.
         *
         * @return false when the watch read bytes that were not an end of stream (a client pipelining its next
         *         request): they are lost, so the connection must not carry another request, see
         *         {@link #endAfterLastWrite(Request)}
         */
        boolean stop();
    }

    /** The watch of a connection that needs none. */
    private static final Watch NONE = () -> true;

    private ClientDeparture() {
    }

    /**
     * Watches the request's connection from now on; call it once the request's body has been read, before the
     * response is committed.
     *
     * @param onGone what to do when the client has gone (from another thread; may run more than once)
     * @return the watch, to stop before the response completes
     */
    public static Watch watch(Request request, Runnable onGone) {
        if (request.getConnectionMetaData().getHttpVersion().getVersion() >= HttpVersion.HTTP_2.getVersion()) {
            return NONE;
        }
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!(endPoint instanceof AbstractEndPoint)) {
            // Without a way to withdraw the interest, watching would cost the connection: do without.
            return NONE;
        }
        Watcher watcher = new Watcher((AbstractEndPoint) endPoint, onGone);
        return endPoint.tryFillInterested(watcher) ? watcher : NONE;
    }

    /**
     * Ends the connection of a response whose watch read the start of the next request, once the response's last
     * write is done. Failing the handler's callback would not do: Jetty keeps a connection whose response is
     * complete, and would read the rest of that request as a new one. Shutting the output down sends the client an
     * end of stream after its whole answer (a close could reset the connection and lose the answer's end); the
     * client sends its request again on a new connection. Rare: SDK clients do not pipeline.
     */
    public static void endAfterLastWrite(Request request) {
        request.getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
    }

    /** Woken by Jetty when the connection has input; reads it only while the watch runs. */
    private static final class Watcher implements Callback, Watch {

        private final AbstractEndPoint endPoint;
        private final Runnable onGone;
        /** Guarded by this: set by stop(); once set, the watcher neither reads nor asks to be woken again. */
        private boolean stopped;
        /** Guarded by this: whether the watcher read bytes of a next request. */
        private boolean swallowed;

        Watcher(AbstractEndPoint endPoint, Runnable onGone) {
            this.endPoint = endPoint;
            this.onGone = onGone;
        }

        @Override
        public void succeeded() {
            boolean gone;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                try {
                    int filled = endPoint.fill(BufferUtil.allocate(512));
                    gone = filled < 0;
                    if (filled > 0) {
                        // A pipelined request: it cannot be handed back to Jetty's parser. Stop watching (reading
                        // further would lose more of it); the connection ends after this response.
                        swallowed = true;
                    } else if (filled == 0 && endPoint.isOpen()) {
                        endPoint.tryFillInterested(this);
                    }
                } catch (IOException e) {
                    gone = true;
                }
            }
            if (gone) {
                onGone.run();
            }
        }

        @Override
        public void failed(Throwable failure) {
            synchronized (this) {
                if (stopped) {
                    return;
                }
            }
            onGone.run();
        }

        @Override
        public boolean stop() {
            synchronized (this) {
                if (stopped) {
                    return !swallowed;
                }
                stopped = true;
            }
            // Fires the interest if it is still registered (it can only be this watcher's: Jetty itself does not
            // read while the handler runs); the watcher, stopped, does nothing. The registration is gone either way.
            endPoint.getFillInterest().fillable();
            synchronized (this) {
                return !swallowed;
            }
        }
    }
}
