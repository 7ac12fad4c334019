package io.portcullis.runtime.http;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.GatewayRequest;
import io.portcullis.api.model.Usage;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.runtime.pipeline.Pipeline;
import io.portcullis.runtime.pipeline.RouteTable;
import io.portcullis.runtime.routing.RequestRecord;
import io.portcullis.runtime.services.MicrometerMetrics;
import io.portcullis.runtime.wire.WireFormat;
import io.portcullis.runtime.wire.anthropic.AnthropicMessagesFormat;
import io.portcullis.runtime.wire.openai.OpenAiChatFormat;
import io.portcullis.runtime.wire.openai.OpenAiCodec;
import io.portcullis.runtime.wire.openai.OpenAiEmbeddingsFormat;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The data plane: OpenAI's {@code POST /v1/chat/completions} and {@code POST /v1/embeddings} and Anthropic's
 * {@code POST /v1/messages} as one Jetty core handler. Each request runs on its own virtual thread, as plain blocking
 * code: read the body, decode it with the path's {@link WireFormat}, run the route's pipeline, write the reply (JSON,
 * or SSE chunk by chunk as they arrive, never buffered). Every error leaves in the client's wire format with an honest
 * status; the access log gets one line. Only the wire format differs between the paths: the pipeline, the router and
 * the providers are the same for all.
 *
 * <p>Requests for other paths are declined ({@code false}) so that the control plane can serve them.
 */
public final class DataPlaneHandler extends Handler.Abstract {

    /** A client's request for a shorter deadline than the configured one. */
    static final String TIMEOUT_HEADER = "x-portcullis-timeout-ms";
    /** How much of a refused body is read and dropped so that the 413 reaches the client (see drain). */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(DataPlaneHandler.class);

    private final Supplier<RouteTable> routes;
    private final Map<String, WireFormat> formats;
    private final long maxBodyBytes;
    private final Duration requestTimeout;
    private final AccessLog accessLog;
    private final MicrometerMetrics metrics;

    /**
     * @param routes         the current route table (a supplier, so a reload can swap it under running requests)
     * @param maxBodyBytes   the largest body accepted
     * @param requestTimeout the longest a request may take
     * @param accessLog      whether to write access-log lines
     * @param metrics        where request counts and durations go
     */
    public DataPlaneHandler(Supplier<RouteTable> routes, long maxBodyBytes, Duration requestTimeout,
                            boolean accessLog, MicrometerMetrics metrics) {
        super(InvocationType.BLOCKING);
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
        this.requestTimeout = requestTimeout;
        this.accessLog = new AccessLog(accessLog);
        this.metrics = metrics;
        OpenAiCodec openAi = new OpenAiCodec();
        this.formats = Map.of(
                OpenAiChatFormat.PATH, new OpenAiChatFormat(openAi),
                OpenAiEmbeddingsFormat.PATH, new OpenAiEmbeddingsFormat(openAi),
                AnthropicMessagesFormat.PATH, new AnthropicMessagesFormat());
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        WireFormat wire = formats.get(path);
        if (wire == null) {
            return false;
        }
        String requestId = RequestIdHandler.of(request);
        if (wire.requestIdHeader() != null) {
            response.getHeaders().put(wire.requestIdHeader(), requestId);
        }
        AccessLog.Entry entry = new AccessLog.Entry(requestId, request.getMethod(), path);
        metrics.inFlight().incrementAndGet();
        try {
            serve(request, response, callback, wire, entry);
        } catch (GatewayException e) {
            fail(response, callback, entry, wire, e);
        } catch (RuntimeException e) {
            log.error("Request {} failed unexpectedly", requestId, e);
            fail(response, callback, entry, wire, new GatewayException(ErrorCode.INTERNAL,
                    "The gateway failed to serve this request. Quote request id " + requestId
                            + " to the gateway's operator."));
        } finally {
            metrics.inFlight().decrementAndGet();
            metrics.record("portcullis.requests", Duration.ofNanos(System.nanoTime() - entry.startNanos),
                    "path", path, "status", Integer.toString(entry.status));
            accessLog.write(entry);
        }
        return true;
    }

    private void serve(Request request, Response response, Callback callback, WireFormat wire,
                       AccessLog.Entry entry) {
        String path = wire.path();
        if (!HttpMethod.POST.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            throw new GatewayException(ErrorCode.INVALID_REQUEST, 405, path + " accepts POST only", null, Map.of(),
                    null);
        }
        Pipeline pipeline = routes.get().route(path);
        if (pipeline == null) {
            throw new GatewayException(ErrorCode.NOT_FOUND, "no route serves " + path + " on this gateway");
        }
        WireFormat.Decoded decoded = wire.decode(readBody(request));
        GatewayRequest canonical = decoded.request();
        entry.model = canonical.model();
        entry.stream = canonical instanceof ChatRequest chat && chat.isStreaming();

        RequestRecord record = new RequestRecord();
        Exchange exchange = Exchange.of(canonical, path, entry.requestId, deadline(request), headers(request))
                .with(RequestRecord.KEY, record);
        Reply reply;
        try {
            reply = pipeline.execute(exchange);
        } finally {
            entry.provider = record.provider();
            entry.attempts = record.attempts();
            entry.principal = record.principal();
            entry.record = record;
        }
        reply.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        switch (reply) {
            case Reply.Complete complete -> {
                noteUsage(entry, complete.response().usage());
                writeJson(response, callback, entry, 200, decoded.encode(complete.response()));
            }
            case Reply.Embeddings embeddings -> {
                noteUsage(entry, embeddings.response().usage());
                writeJson(response, callback, entry, 200, decoded.encode(embeddings.response()));
            }
            case Reply.Streaming streaming -> stream(request, response, callback, entry, streaming.chunks(),
                    decoded.stream());
        }
    }

    /**
     * Writes a stream as SSE. The first chunk is awaited before the status is sent, so that an upstream failing
     * before it still gets an honest HTTP error; after that, a failure becomes an error event. The client's connection
     * stays open for its next request (HTTP/1.1 keep-alive), except in the rare case {@link ClientDeparture} explains.
     */
    private void stream(Request request, Response response, Callback callback, AccessLog.Entry entry,
                        ChunkStream chunks, WireFormat.StreamEncoder events) {
        // Closing from Jetty's side (client gone while we wait on the upstream) unblocks next() and frees upstream.
        java.util.concurrent.atomic.AtomicBoolean clientGone = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable leave = () -> {
            clientGone.set(true);
            chunks.close();
        };
        request.addFailureListener(failure -> leave.run());
        ClientDeparture.Watch watch = ClientDeparture.watch(request, leave);
        try (chunks) {
            Optional<ChatChunk> next = chunks.next();
            entry.status = 200;
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            response.getHeaders().put("X-Accel-Buffering", "no");
            byte[] last;
            try {
                while (next.isPresent()) {
                    ChatChunk chunk = next.get();
                    if (chunk.usage() != null) {
                        noteUsage(entry, chunk.usage());
                    }
                    byte[] encoded = events.chunk(chunk);
                    if (encoded.length > 0) {
                        write(response, false, encoded);
                    }
                    next = chunks.next();
                }
                // Read to its end: closing now hands the upstream connection back to the pool before the client,
                // which has all but the last event, can send its next request.
                chunks.close();
                last = events.end();
            } catch (GatewayException e) {
                if (clientGone.get()) {
                    throw new IOException("the client went away", e);
                }
                entry.errorCode = e.code().wireName();
                log.warn("Request {}: stream failed after it started: {}", entry.requestId, e.getMessage());
                last = events.fail(e);
            }
            boolean reusable = watch.stop();
            write(response, true, last);
            if (!reusable) {
                ClientDeparture.endAfterLastWrite(request);
            }
            callback.succeeded();
        } catch (IOException e) {
            // The client went away: closing the stream (try-with-resources) aborts the upstream call.
            entry.clientGone = true;
            callback.failed(e);
        } finally {
            // When the stream failed before its first chunk, the caller answers with an error: the watch must be
            // stopped before it too, and if it read the start of the next request, that answer closes the connection.
            if (!watch.stop() && !response.isCommitted()) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
        }
    }

    private static void write(Response response, boolean last, byte[] bytes) throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(bytes), written);
            written.block();
        }
    }

    private void writeJson(Response response, Callback callback, AccessLog.Entry entry, int status, byte[] body) {
        entry.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private void fail(Response response, Callback callback, AccessLog.Entry entry, WireFormat wire,
                      GatewayException error) {
        entry.errorCode = error.code().wireName();
        if (response.isCommitted()) {
            entry.status = entry.status == 0 ? error.status() : entry.status;
            callback.failed(error);
            return;
        }
        error.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        writeJson(response, callback, entry, error.status(), wire.errorBody(error, entry.requestId));
    }

    private byte[] readBody(Request request) {
        long declared = request.getLength();
        int expected = declared > 0 && declared <= maxBodyBytes ? (int) declared : 8192;
        ByteArrayOutputStream body = new ByteArrayOutputStream(expected);
        byte[] buffer = new byte[Math.min(expected, 64 * 1024)];
        try (InputStream in = Request.asInputStream(request)) {
            if (declared > maxBodyBytes) {
                drain(in);
                throw tooLarge();
            }
            int read;
            while ((read = in.read(buffer)) != -1) {
                if (body.size() + read > maxBodyBytes) {
                    drain(in);
                    throw tooLarge();
                }
                body.write(buffer, 0, read);
            }
        } catch (IOException e) {
            throw new GatewayException(ErrorCode.INVALID_REQUEST, "the request body could not be read: "
                    + e.getClass().getSimpleName());
        }
        return body.toByteArray();
    }

    /**
     * Reads and drops what the client is still sending of a refused body, up to {@link #DRAIN_LIMIT}: a connection
     * closed with unread data is reset, and the client may see the reset before the 413. Beyond the limit the
     * connection is closed all the same; a client sending that much more has to cope.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[8192];
        long left = DRAIN_LIMIT;
        int read;
        while (left > 0 && (read = in.read(sink, 0, (int) Math.min(sink.length, left))) != -1) {
            left -= read;
        }
    }

    private GatewayException tooLarge() {
        return new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is larger than this gateway "
                + "accepts (" + maxBodyBytes + " bytes; server.maxBodyBytes)");
    }

    private Instant deadline(Request request) {
        Duration timeout = requestTimeout;
        String asked = request.getHeaders().get(TIMEOUT_HEADER);
        if (asked != null) {
            try {
                long millis = Long.parseLong(asked.trim());
                if (millis > 0 && millis < timeout.toMillis()) {
                    timeout = Duration.ofMillis(millis);
                }
            } catch (NumberFormatException e) {
                throw new GatewayException(ErrorCode.INVALID_REQUEST, 400, TIMEOUT_HEADER
                        + ": expected a number of milliseconds", null, Map.of(), null);
            }
        }
        return Instant.now().plus(timeout);
    }

    private static Map<String, String> headers(Request request) {
        Map<String, String> headers = new HashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.putIfAbsent(field.getLowerCaseName(), field.getValue());
        }
        return headers;
    }

    private static void noteUsage(AccessLog.Entry entry, Usage usage) {
        if (usage != null) {
            entry.promptTokens = usage.promptTokens();
            entry.completionTokens = usage.completionTokens();
        }
    }
}
