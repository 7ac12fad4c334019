package io.portcullis.runtime.services;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link HttpTransport} on Jetty's {@link HttpClient}: the request's {@code readTimeout} becomes Jetty's idle
 * timeout of the exchange, its {@code deadline} the total timeout, and the body is read as it arrives.
 *
 * <p>The caller owns the client: it creates it, sets the connect timeout, starts it and stops it. Failures to reach
 * the upstream become {@link GatewayException}s whose messages are fit for the client (no URL, no header); the
 * upstream's {@code host:port} is kept in the logged cause only.
 *
 * <p>Every status is an answer for the provider to map, so the transport keeps Jetty from acting on some of them
 * itself: redirects are not followed (a redirect would carry the upstream's credentials to wherever it points), and
 * the constructor removes the client's {@code WWW-Authenticate} handler, which fails a 401 that has no such header
 * (OpenAI's have none) instead of returning it.
 */
public final class JettyHttpTransport implements HttpTransport {

    /**
     * How much longer than the deadline {@link #send} waits for the headers. Jetty's own total timeout fails the
     * exchange at the deadline; this margin only guards against that notification getting lost.
     */
    private static final Duration HEADERS_WAIT_MARGIN = Duration.ofSeconds(1);

    /**
     * The cause every abandoned response is aborted with. One shared instance, without stack trace or suppressed
     * exceptions (so sharing it leaks nothing): filling in a fresh stack trace on every close showed up at the top of
     * the data plane's CPU profile when every close aborted.
     */
    private static final RuntimeException CLOSED_BY_CALLER = new ClosedByCaller();

    private final HttpClient client;

    /** @param client a configured client, started and stopped by the caller */
    public JettyHttpTransport(HttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
        client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    }

    @Override
    public UpstreamResponse send(UpstreamRequest upstream) {
        Call call = begin(upstream);
        Request request = newRequest(upstream, call);
        HeadersListener listener = new HeadersListener();
        request.send(listener);
        try {
            Arrived arrived = awaitHeaders(listener, call);
            return new JettyUpstreamResponse(call, arrived.response(),
                    new BodyStream(arrived.body(), call, client.getScheduler(), () -> request.abort(CLOSED_BY_CALLER)));
        } catch (InterruptedException e) {
            throw interrupted(request, call, e);
        } catch (TimeoutException e) {
            request.abort(e);
            throw call.timeout(e);
        } catch (ExecutionException e) {
            throw call.failure(causeOf(e));
        }
    }

    @Override
    public UpstreamResponse exchange(UpstreamRequest upstream, int maxBodyBytes) {
        Call call = begin(upstream);
        Request request = newRequest(upstream, call);
        CompletableFuture<ContentResponse> answer = new CompletableResponseListener(request, maxBodyBytes).send();
        try {
            // Untimed: the request's own idle and total timeouts (set by newRequest) complete the future.
            return new BufferedUpstreamResponse(answer.get());
        } catch (InterruptedException e) {
            throw interrupted(request, call, e);
        } catch (ExecutionException e) {
            Throwable failure = causeOf(e);
            if (failure instanceof IllegalArgumentException) {
                // Jetty's way of saying the body outgrew the buffer it was allowed.
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream's answer is larger than the "
                        + maxBodyBytes + " bytes the gateway reads", call.described(failure));
            }
            throw call.failure(failure);
        }
    }

    /** Starts a call, or fails it at once when its deadline has already passed. */
    private static Call begin(UpstreamRequest upstream) {
        Call call = new Call(upstream);
        if (call.deadlinePassed()) {
            throw call.timeout(new TimeoutException("deadline passed before sending"));
        }
        return call;
    }

    private static GatewayException interrupted(Request request, Call call, InterruptedException e) {
        Thread.currentThread().interrupt();
        request.abort(e);
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the call to the upstream was interrupted",
                call.described(e));
    }

    private static Throwable causeOf(ExecutionException e) {
        return e.getCause() == null ? e : e.getCause();
    }

    private Request newRequest(UpstreamRequest upstream, Call call) {
        Request request = client.newRequest(upstream.uri()).method(upstream.method()).followRedirects(false);
        request.headers(fields -> upstream.headers().forEach(fields::put));
        if (upstream.body() != null) {
            // The content's own type would replace a Content-Type header with application/octet-stream.
            request.body(new BytesRequestContent(contentType(upstream.headers()), upstream.body()));
        }
        if (upstream.readTimeout() != null) {
            request.idleTimeout(upstream.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (upstream.deadline() != null) {
            // Jetty's total timeout covers the whole exchange, body included: exactly the deadline's meaning. Rounded
            // up, so that it never fires before the deadline (which is how a timeout is told from the read timeout).
            long millis = (call.remaining().toNanos() + 999_999) / 1_000_000;
            request.timeout(Math.max(1, millis), TimeUnit.MILLISECONDS);
        }
        return request;
    }

    private static String contentType(Map<String, String> headers) {
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Content-Type")) {
                return header.getValue();
            }
        }
        return null;
    }

    private static Arrived awaitHeaders(HeadersListener listener, Call call)
            throws InterruptedException, TimeoutException, ExecutionException {
        if (call.request.deadline() == null) {
            // No deadline: Jetty's idle timeout, if any, is what ends a silent upstream.
            return listener.arrived.get();
        }
        return listener.arrived.get(call.remaining().plus(HEADERS_WAIT_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A response whose headers have arrived, and its body as Jetty hands it over: read on demand. */
    private record Arrived(Response response, Content.Source body) {
    }

    /**
     * Completes {@link #arrived} when the headers are there (or the exchange failed before them). The body is left
     * as Jetty's {@link Content.Source}: unlike a listener that queues chunks, it can be asked, without blocking,
     * whether the rest of the body (its end above all) has already arrived, which is what lets {@link BodyStream}
     * give a connection back to the pool.
     */
    private static final class HeadersListener implements Response.ContentSourceListener, Response.CompleteListener {

        final CompletableFuture<Arrived> arrived = new CompletableFuture<>();

        @Override
        public void onContentSource(Response response, Content.Source body) {
            arrived.complete(new Arrived(response, body));
        }

        @Override
        public void onComplete(Result result) {
            // A no-op once the headers have arrived: failures after that reach the body's reader.
            if (result.isFailed()) {
                arrived.completeExceptionally(result.getFailure());
            } else {
                arrived.completeExceptionally(new IOException("the upstream's answer had no body"));
            }
        }
    }

    /** One call: its request, and what its failures are reported as. */
    private record Call(UpstreamRequest request) {

        Duration remaining() {
            return Duration.between(Instant.now(), request.deadline());
        }

        boolean deadlinePassed() {
            return request.deadline() != null && !remaining().isPositive();
        }

        /** The upstream's scheme, host and port: what a log may show of the URI (the path and query may not). */
        String origin() {
            URI uri = request.uri();
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        }

        /** Wraps a failure in a cause that names the upstream's origin, for the log. */
        IOException described(Throwable failure) {
            return new IOException(request.method() + " " + origin() + ": " + failure, failure);
        }

        GatewayException timeout(Throwable failure) {
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, timeoutMessage(), described(failure));
        }

        /** Says which limit ran out: the deadline if it has passed, otherwise the read timeout. */
        String timeoutMessage() {
            if (deadlinePassed() || request.readTimeout() == null) {
                return "the upstream did not answer before the request's deadline";
            }
            return "the upstream did not answer within " + request.readTimeout().toMillis() + " ms";
        }

        /** Maps a failure that happened before the response's headers arrived. */
        GatewayException failure(Throwable failure) {
            if (isTimeout(failure)) {
                return timeout(failure);
            }
            if (isUnreachable(failure)) {
                return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream could not be reached",
                        described(failure));
            }
            return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the connection to the upstream failed",
                    described(failure));
        }
    }

    /** Whether the failure is Jetty's idle or total timeout (a {@link TimeoutException} anywhere in the chain). */
    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether no connection could be made: refused, no route, a name that does not resolve, or the connect timeout
     * (which Jetty reports as a {@link SocketTimeoutException}; its idle and total timeouts are
     * {@link TimeoutException}s).
     */
    static boolean isUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof UnresolvedAddressException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** A response read whole by Jetty: nothing left to release. */
    private record BufferedUpstreamResponse(ContentResponse response) implements UpstreamResponse {

        @Override
        public int status() {
            return response.getStatus();
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(response.getHeaders().get(name));
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(response.getContent());
        }

        @Override
        public String bodyAsString(int maxBytes) {
            byte[] content = response.getContent();
            return new String(content, 0, Math.min(content.length, maxBytes), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }
    }

    /** A response whose headers have arrived and whose body Jetty feeds into {@link #body()} as it comes. */
    private static final class JettyUpstreamResponse implements UpstreamResponse {

        private final Call call;
        private final Response response;
        private final BodyStream body;
        private final AtomicBoolean closed = new AtomicBoolean();


        JettyUpstreamResponse(Call call, Response response, BodyStream body) {
            this.call = call;
            this.response = response;
            this.body = body;
        }

        @Override
        public int status() {
            return response.getStatus();
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(response.getHeaders().get(name));
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public String bodyAsString(int maxBytes) {
            try {
                return new String(body.readNBytes(maxBytes), StandardCharsets.UTF_8);
            } catch (IOException e) {
                if (isTimeout(e)) {
                    throw call.timeout(e);
                }
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream failed while sending its answer",
                        call.described(e));
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                body.close();
            }
        }

        @Override
        public void closeAtEnd() {
            if (closed.compareAndSet(false, true)) {
                body.closeAtEnd();
            }
        }
    }

    /**
     * The body of a streamed answer, read from Jetty's {@link Content.Source} as it arrives.
     *
     * <p>Closing decides the connection's fate. A provider closes its stream as soon as it has read the terminal
     * event ({@code data: [DONE]}, {@code message_stop}), when the chunked body's terminator has usually arrived
     * too but nobody has read it: the exchange is not complete, and aborting it would cost a new connection (and TLS
     * handshake) per stream. So close first reads, without blocking, what has already arrived: when that reaches the
     * body's end, Jetty completes the exchange and pools the connection. Otherwise the stream was abandoned before
     * its end (client gone, policy, failover) and the exchange is aborted at once, which closes the connection even
     * when the upstream is silent; a half-read connection is never reused. Only arrived bytes are read, at most
     * {@link #DRAIN_LIMIT}: close never waits on the upstream. When the provider knows it read the terminal event
     * ({@link #closeAtEnd()}) and the terminator is not there yet (a server writes it apart, microseconds later), the
     * stream waits for it without blocking anyone, {@link #END_WAIT} at most, before it aborts.
     *
     * <p>Thread-safe as the data plane needs it: one thread reads, and any thread may close (Jetty's when the client
     * goes). A close that finds the reader waiting for more knows the end has not arrived: it aborts, which wakes the
     * reader with a failure.
     *
     * <p>Jetty's timeouts on the body are reported as {@link InterruptedIOException}s, as {@link UpstreamResponse}
     * promises (Jetty itself wraps them in a plain {@link IOException}), and zero-length reads are answered at once
     * ({@link InputStream#readNBytes} asks for nothing once it has its bytes).
     */
    private static final class BodyStream extends InputStream {

        /** How much body close reads looking for the end before it gives up and aborts. */
        private static final int DRAIN_LIMIT = 64 * 1024;
        /** How long {@link #closeAtEnd()} waits for a body's end after the terminal event before it aborts. */
        private static final Duration END_WAIT = Duration.ofSeconds(1);

        /** What reading what has arrived found. */
        private enum Drained { ENDED, NOTHING_YET, GAVE_UP }

        private final Content.Source source;
        private final Call call;
        private final Scheduler scheduler;
        private final Runnable abort;
        /** Held by the reader, also while it waits for content; close reads the source only when it can take it. */
        private final ReentrantLock reading = new ReentrantLock();
        private final Blocker.Shared blocker = new Blocker.Shared();
        /** The chunk being read; guarded by {@link #reading}. */
        private Content.Chunk chunk;
        /** How much body close has read and dropped; guarded by {@link #reading}. */
        private long drained;
        private volatile boolean closed;

        BodyStream(Content.Source source, Call call, Scheduler scheduler, Runnable abort) {
            this.source = source;
            this.call = call;
            this.scheduler = scheduler;
            this.abort = abort;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int read = read(one, 0, 1);
            return read < 0 ? read : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            reading.lock();
            try {
                return readLocked(buffer, offset, length);
            } catch (IOException | RuntimeException e) {
                // Jetty rethrows a failure that is a RuntimeException (a protocol violation, say) as it is: wrap it.
                throw translated(e);
            } finally {
                reading.unlock();
            }
        }

        private int readLocked(byte[] buffer, int offset, int length) throws IOException {
            while (true) {
                if (closed) {
                    throw new AsynchronousCloseException();
                }
                if (chunk == null) {
                    chunk = source.read();
                    if (chunk == null) {
                        awaitContent();
                        continue;
                    }
                }
                if (Content.Chunk.isFailure(chunk)) {
                    throw new IOException(chunk.getFailure());
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                if (bytes.hasRemaining()) {
                    int read = Math.min(length, bytes.remaining());
                    bytes.get(buffer, offset, read);
                    if (!bytes.hasRemaining()) {
                        release();
                    }
                    return read;
                }
                if (chunk.isLast()) {
                    return -1;
                }
                release();
            }
        }

        private IOException translated(Exception e) {
            IOException failure = e instanceof IOException io ? io : new IOException(e);
            if (failure instanceof InterruptedIOException || !isTimeout(failure)) {
                return failure;
            }
            InterruptedIOException timeout = new SocketTimeoutException(call.timeoutMessage());
            timeout.initCause(failure);
            return timeout;
        }

        private void awaitContent() throws IOException {
            try (Blocker.Runnable demanded = blocker.runnable()) {
                source.demand(demanded);
                demanded.block();
            }
        }

        /** Releases the chunk read to its end; a last one leaves {@link Content.Chunk#EOF} behind. */
        private void release() {
            boolean last = chunk.isLast();
            chunk.release();
            chunk = last ? Content.Chunk.EOF : null;
        }

        @Override
        public void close() {
            if (drain() != Drained.ENDED) {
                abort.run();
            }
        }

        /** Closes after the terminal event: waits a little, without blocking, for the body's end that may follow. */
        void closeAtEnd() {
            switch (drain()) {
                case ENDED -> {
                }
                case NOTHING_YET -> awaitEnd(scheduler.schedule(abort, END_WAIT.toMillis(), TimeUnit.MILLISECONDS));
                case GAVE_UP -> abort.run();
            }
        }

        /** Marks the stream closed and reads what has arrived, unless a reader waits for more (then not at its end). */
        private Drained drain() {
            closed = true;
            if (!reading.tryLock()) {
                return Drained.GAVE_UP;
            }
            try {
                return drainedToEnd();
            } finally {
                reading.unlock();
            }
        }

        /** Reads what arrives until the body's end, the drain limit or the abort that ends the wait. */
        private void awaitEnd(Scheduler.Task deadline) {
            source.demand(() -> {
                Drained drained = drain();
                if (drained == Drained.NOTHING_YET) {
                    awaitEnd(deadline);
                    return;
                }
                deadline.cancel();
                if (drained == Drained.GAVE_UP) {
                    abort.run();
                }
            });
        }

        /** Reads and drops what has already arrived, looking for the body's end (or its failure, which ends it too). */
        private Drained drainedToEnd() {
            if (chunk != null) {
                if (Content.Chunk.isFailure(chunk)) {
                    return chunk.isLast() ? Drained.ENDED : Drained.GAVE_UP;
                }
                release();
                if (chunk == Content.Chunk.EOF) {
                    return Drained.ENDED;
                }
            }
            while (drained <= DRAIN_LIMIT) {
                Content.Chunk next = source.read();
                if (next == null) {
                    return Drained.NOTHING_YET;
                }
                if (Content.Chunk.isFailure(next)) {
                    chunk = next;
                    return next.isLast() ? Drained.ENDED : Drained.GAVE_UP;
                }
                drained += next.remaining();
                boolean last = next.isLast();
                next.release();
                if (last) {
                    chunk = Content.Chunk.EOF;
                    return Drained.ENDED;
                }
            }
            return Drained.GAVE_UP;
        }
    }

    /** Why an exchange was aborted: the provider closed the response before reading it to its end. */
    private static final class ClosedByCaller extends RuntimeException {
        ClosedByCaller() {
            super("the response was closed by the caller", null, false, false);
        }
    }
}
