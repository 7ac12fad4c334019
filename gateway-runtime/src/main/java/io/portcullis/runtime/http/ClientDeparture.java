package io.portcullis.runtime.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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
 * connection's next input instead: a client waiting for its answer sends nothing, so input can only be its end of
 * stream. A watched connection cannot be read for a next request, so the response asks to close it
 * ({@code Connection: close}); HTTP/2 and later report a client's reset by themselves and are not watched.
 */
final class ClientDeparture {

    private ClientDeparture() {
    }

    /**
     * Watches the request's connection from now on; call it once the request's body has been read, before the
     * response is committed.
     *
     * @param onGone what to do when the client has gone (from another thread; may run more than once)
     */
    static void watch(Request request, Response response, Runnable onGone) {
        if (request.getConnectionMetaData().getHttpVersion().getVersion() >= HttpVersion.HTTP_2.getVersion()) {
            return;
        }
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        Callback watcher = new Callback() {
            @Override
            public void succeeded() {
                try {
                    ByteBuffer ignored = BufferUtil.allocate(512);
                    if (endPoint.fill(ignored) < 0) {
                        onGone.run();
                    } else if (endPoint.isOpen()) {
                        endPoint.tryFillInterested(this);
                    }
                } catch (IOException e) {
                    onGone.run();
                }
            }

            @Override
            public void failed(Throwable failure) {
                onGone.run();
            }
        };
        if (endPoint.tryFillInterested(watcher)) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
    }
}
