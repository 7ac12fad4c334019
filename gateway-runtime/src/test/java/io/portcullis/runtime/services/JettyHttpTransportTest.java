package io.portcullis.runtime.services;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class JettyHttpTransportTest {

    private static final Duration LONG = Duration.ofSeconds(20);

    /** What the test server does with a request; set per test. */
    @FunctionalInterface
    interface Behaviour {
        void handle(Request request, Response response) throws Exception;
    }

    /** One request as the test server saw it. */
    record Seen(String method, String pathAndQuery, Map<String, String> headers, String body, int remotePort) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Released at the end of each test, so that handlers blocked on it let the server stop. */
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Behaviour behaviour;
    private Server server;
    private HttpClient client;
    private JettyHttpTransport transport;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                try {
                    seen.add(new Seen(request.getMethod(), request.getHttpURI().getPathQuery(),
                            headersOf(request), Content.Source.asString(request, StandardCharsets.UTF_8),
                            Request.getRemotePort(request)));
                    behaviour.handle(request, response);
                    callback.succeeded();
                } catch (Throwable failure) {
                    callback.failed(failure);
                }
                return true;
            }
        });
        server.start();

        client = new HttpClient();
        client.setConnectTimeout(1_000);
        client.start();
        transport = new JettyHttpTransport(client);
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        client.stop();
        server.stop();
    }

    private URI uri(String pathAndQuery) {
        return URI.create(server.getURI().resolve(pathAndQuery).toString());
    }

    private static Map<String, String> headersOf(Request request) {
        Map<String, String> headers = new HashMap<>();
        request.getHeaders().forEach(field -> headers.put(field.getLowerCaseName(), field.getValue()));
        return headers;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static UpstreamRequest get(URI uri, Duration readTimeout, Duration untilDeadline) {
        return UpstreamRequest.get(uri, Map.of(), readTimeout, Instant.now().plus(untilDeadline));
    }

    @Test
    void sends_the_method_headers_and_body_and_returns_status_headers_and_body() {
        behaviour = (request, response) -> {
            response.setStatus(201);
            response.getHeaders().put("x-upstream", "yes");
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                write(out, "{\"ok\":true}");
            }
        };

        UpstreamRequest request = UpstreamRequest.postJson(uri("/v1/things?x=1"),
                "{\"q\":\"é\"}".getBytes(StandardCharsets.UTF_8), Map.of("Authorization", "Bearer sk-test"),
                LONG, Instant.now().plus(LONG));
        try (UpstreamResponse response = transport.send(request)) {
            assertThat(response.status()).isEqualTo(201);
            assertThat(response.header("X-Upstream")).contains("yes");
            assertThat(response.header("x-missing")).isEmpty();
            assertThat(response.bodyAsString(1024)).isEqualTo("{\"ok\":true}");
        }

        Seen request1 = seen.get(0);
        assertThat(request1.method()).isEqualTo("POST");
        assertThat(request1.pathAndQuery()).isEqualTo("/v1/things?x=1");
        assertThat(request1.headers()).containsEntry("authorization", "Bearer sk-test");
        assertThat(request1.headers().get("content-type")).startsWith("application/json");
        assertThat(request1.body()).isEqualTo("{\"q\":\"é\"}");
    }

    @Test
    void an_error_status_is_an_answer_for_the_provider_to_map_not_a_failure() {
        behaviour = (request, response) -> {
            response.setStatus(429);
            response.getHeaders().put("Retry-After", "7");
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                write(out, "{\"error\":{\"message\":\"slow down\"}}");
            }
        };

        try (UpstreamResponse response = transport.send(get(uri("/limited"), LONG, LONG))) {
            assertThat(response.status()).isEqualTo(429);
            assertThat(response.header("retry-after")).contains("7");
            assertThat(response.bodyAsString(12)).isEqualTo("{\"error\":{\"m");
        }
    }

    @Test
    void a_401_without_www_authenticate_is_returned_as_openai_sends_it() {
        behaviour = (request, response) -> {
            response.setStatus(401);
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                write(out, "{\"error\":{\"code\":\"invalid_api_key\"}}");
            }
        };

        try (UpstreamResponse response = transport.send(get(uri("/v1/models"), LONG, LONG))) {
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.bodyAsString(1024)).contains("invalid_api_key");
        }
    }

    @Test
    void a_redirect_is_returned_not_followed_so_credentials_stay_with_the_upstream() {
        behaviour = (request, response) -> {
            response.setStatus(302);
            response.getHeaders().put("Location", "http://127.0.0.1:1/elsewhere");
        };

        try (UpstreamResponse response = transport.send(UpstreamRequest.get(uri("/moved"),
                Map.of("Authorization", "Bearer sk-test"), LONG, Instant.now().plus(LONG)))) {
            assertThat(response.status()).isEqualTo(302);
            assertThat(response.header("Location")).contains("http://127.0.0.1:1/elsewhere");
        }
        assertThat(seen).hasSize(1);
    }

    @Test
    void a_response_read_to_its_end_leaves_the_connection_open_for_the_next_request() {
        behaviour = (request, response) -> {
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                write(out, "hello");
            }
        };

        for (int i = 0; i < 2; i++) {
            try (UpstreamResponse response = transport.send(get(uri("/again"), LONG, LONG))) {
                assertThat(response.bodyAsString(100)).isEqualTo("hello");
            }
            // Jetty returns the connection to the pool just after the end of the body: wait for it to be there.
            AbstractConnectionPool pool = (AbstractConnectionPool) client.getDestinations().getFirst()
                    .getConnectionPool();
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.getIdleConnectionCount() == 1);
        }

        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).remotePort()).as("the second request reuses the first one's connection")
                .isEqualTo(seen.get(0).remotePort());
    }

    @Test
    void a_refused_connection_is_503_and_the_message_shows_neither_the_url_nor_the_credentials() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        UpstreamRequest request = UpstreamRequest.get(URI.create("http://127.0.0.1:" + closedPort + "/v1?key=s3cr3t"),
                Map.of("Authorization", "Bearer s3cr3t"), LONG, Instant.now().plus(LONG));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> transport.send(request));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.getMessage()).isEqualTo("the upstream could not be reached");
        assertThat(failure.getCause().getMessage()).contains("127.0.0.1:" + closedPort).doesNotContain("s3cr3t");
    }

    @Test
    void a_host_name_that_does_not_resolve_is_503() {
        UpstreamRequest request = get(URI.create("http://no-such-host.invalid/v1/models"), LONG, LONG);

        assertThatThrownBy(() -> transport.send(request))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE));
    }

    @Test
    void a_connect_timeout_is_503() throws Exception {
        // A listening socket that never accepts, whose accept queue is full: the kernel drops further SYNs, so a new
        // connection neither succeeds nor is refused, like a firewalled host.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = fillAcceptQueue(full.getLocalPort());
            try {
                client.setConnectTimeout(300);
                UpstreamRequest request = get(URI.create("http://127.0.0.1:" + full.getLocalPort() + "/"), LONG, LONG);

                assertThatThrownBy(() -> transport.send(request))
                        .isInstanceOfSatisfying(GatewayException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE));
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    /** Opens connections until one no longer completes: from then on the queue drops new ones. */
    private static List<Socket> fillAcceptQueue(int port) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        while (sockets.size() < 64) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                sockets.add(socket);
            } catch (SocketTimeoutException full) {
                socket.close();
                return sockets;
            }
        }
        throw new IllegalStateException("the accept queue never filled up");
    }

    @Test
    void exchange_returns_the_whole_answer_read_into_memory() throws Exception {
        behaviour = (request, response) -> {
            response.setStatus(200);
            response.getHeaders().put("x-upstream", "yes");
            try (OutputStream out = Response.asBufferedOutputStream(request, response)) {
                write(out, "{\"part\":1,");
                write(out, "\"part2\":2}");
            }
        };

        try (UpstreamResponse response = transport.exchange(get(uri("/whole"), LONG, LONG), 1024)) {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("X-Upstream")).hasValue("yes");
            assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"part\":1,\"part2\":2}");
            assertThat(response.bodyAsString(8)).isEqualTo("{\"part\":");
        }
    }

    @Test
    void exchange_refuses_an_answer_larger_than_it_may_buffer_with_a_502() {
        behaviour = (request, response) -> {
            try (OutputStream out = Response.asBufferedOutputStream(request, response)) {
                write(out, "x".repeat(4096));
            }
        };

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> transport.exchange(get(uri("/big"), LONG, LONG), 1024));

        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).isEqualTo("the upstream's answer is larger than the 1024 bytes the gateway reads");
    }

    @Test
    void exchange_with_an_upstream_silent_past_the_read_timeout_is_504() {
        behaviour = (request, response) -> release.await();

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> transport.exchange(get(uri("/hang"), Duration.ofMillis(300), LONG), 1024));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.getMessage()).isEqualTo("the upstream did not answer within 300 ms");
    }

    @Test
    void exchange_with_a_refused_connection_is_503() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> transport.exchange(
                get(URI.create("http://127.0.0.1:" + closedPort + "/x"), LONG, LONG), 1024));

        assertThat(failure.status()).isEqualTo(503);
    }

    @Test
    void an_upstream_silent_past_the_read_timeout_before_its_headers_is_504() {
        behaviour = (request, response) -> release.await();

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> transport.send(get(uri("/hang"), Duration.ofMillis(300), LONG)));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.status()).isEqualTo(504);
        assertThat(failure.getMessage()).isEqualTo("the upstream did not answer within 300 ms");
    }

    @Test
    void an_upstream_silent_past_the_deadline_is_504_naming_the_deadline() {
        behaviour = (request, response) -> release.await();

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> transport.send(get(uri("/hang"), LONG, Duration.ofMillis(300))));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.getMessage()).isEqualTo("the upstream did not answer before the request's deadline");
    }

    @Test
    void a_deadline_that_has_already_passed_is_504_at_once() {
        UpstreamRequest late = UpstreamRequest.get(uri("/late"), Map.of(), LONG, Instant.now().minusMillis(1));

        assertThatThrownBy(() -> transport.send(late))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT));
    }

    @Test
    void the_body_arrives_piece_by_piece_as_the_upstream_writes_it() throws Exception {
        CountDownLatch secondPiece = new CountDownLatch(1);
        behaviour = (request, response) -> {
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                write(out, "first;");
                secondPiece.await();
                write(out, "second");
            }
        };

        try (UpstreamResponse response = transport.send(get(uri("/stream"), LONG, LONG))) {
            InputStream body = response.body();
            // The second piece is written only after the first one has been read here: the body is not buffered.
            assertThat(new String(body.readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("first;");
            secondPiece.countDown();
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second");
        }
    }

    @Test
    void reading_a_body_that_goes_silent_past_the_read_timeout_fails_instead_of_hanging() throws Exception {
        behaviour = (request, response) -> {
            OutputStream out = Content.Sink.asOutputStream(response);
            write(out, "partial");
            release.await();
        };

        try (UpstreamResponse response = transport.send(get(uri("/stall"), Duration.ofMillis(1_000), LONG))) {
            InputStream body = response.body();
            assertThat(body.readNBytes(7)).hasSize(7);

            assertThatThrownBy(body::read).isInstanceOf(InterruptedIOException.class)
                    .hasMessage("the upstream did not answer within 1000 ms");
        }
    }

    @Test
    void the_deadline_also_bounds_a_body_that_is_still_arriving() {
        behaviour = (request, response) -> {
            OutputStream out = Content.Sink.asOutputStream(response);
            write(out, "partial");
            release.await();
        };

        try (UpstreamResponse response = transport.send(get(uri("/stall"), LONG, Duration.ofMillis(1_500)))) {
            GatewayException failure = catchThrowableOfType(GatewayException.class,
                    () -> response.bodyAsString(1024));

            assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
            assertThat(failure.getMessage()).isEqualTo("the upstream did not answer before the request's deadline");
        }
    }

    @Test
    void closing_before_the_end_aborts_so_the_upstream_writing_more_sees_a_closed_connection() throws Exception {
        CountDownLatch clientClosed = new CountDownLatch(1);
        CompletableFuture<Throwable> upstreamWriteFailure = new CompletableFuture<>();
        behaviour = (request, response) -> {
            OutputStream out = Content.Sink.asOutputStream(response);
            write(out, "data: 1\n\n");
            clientClosed.await();
            byte[] more = "data: more\n\n".repeat(1_000).getBytes(StandardCharsets.UTF_8);
            try {
                // Bounded: a live connection would take all of this; a closed one fails on the first writes.
                for (int i = 0; i < 10_000; i++) {
                    out.write(more);
                    out.flush();
                }
                upstreamWriteFailure.complete(null);
            } catch (IOException expected) {
                upstreamWriteFailure.complete(expected);
            }
        };

        UpstreamResponse response = transport.send(get(uri("/sse"), LONG, LONG));
        assertThat(new String(response.body().readNBytes(9), StandardCharsets.UTF_8)).isEqualTo("data: 1\n\n");
        response.close();
        response.close();
        clientClosed.countDown();

        assertThat(upstreamWriteFailure.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> response.body().read()).isInstanceOf(IOException.class);
    }

    @Test
    void closing_while_the_upstream_is_silent_closes_the_connection_at_once() throws Exception {
        // A raw socket upstream: unlike Jetty's server, which does not read a connection while its handler runs,
        // it can watch for the client's FIN while it is itself silent.
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> readAfterHeaders = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (Socket socket = upstream.accept()) {
                    InputStream in = socket.getInputStream();
                    skipRequestHead(in);
                    socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n9\r\ndata: 1\n\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    readAfterHeaders.complete(in.read());
                } catch (IOException e) {
                    readAfterHeaders.completeExceptionally(e);
                }
            });

            UpstreamResponse response = transport.send(
                    get(URI.create("http://127.0.0.1:" + upstream.getLocalPort() + "/sse"), LONG, LONG));
            assertThat(response.body().readNBytes(9)).hasSize(9);
            assertThat(readAfterHeaders).isNotDone();

            response.close();

            assertThat(readAfterHeaders.get(10, TimeUnit.SECONDS)).as("end of stream: the client closed").isEqualTo(-1);
        }
    }

    /** A chunked SSE answer's head, then each event as one chunk: what OpenAI-style upstreams send. */
    private static String sseHead() {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    /**
     * A raw-socket upstream that answers every request of every connection with {@code answer} and counts the
     * connections it accepts; {@code answer} may also hold the rest of a body back until the client closes.
     */
    private static final class RawUpstream implements AutoCloseable {

        @FunctionalInterface
        interface Answer {
            /** @return whether the connection may carry a next request */
            boolean write(Socket socket) throws IOException;
        }

        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        /** Completed with what a connection's read returned after its answer was held back (-1: client closed). */
        final CompletableFuture<Integer> readWhileHolding = new CompletableFuture<>();

        RawUpstream(Answer answer) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        accepted.add(socket);
                        Thread.ofVirtual().start(() -> serve(socket, answer));
                    } catch (IOException closing) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket socket, Answer answer) {
            try (socket) {
                InputStream in = socket.getInputStream();
                while (true) {
                    skipRequestHead(in);
                    if (!answer.write(socket)) {
                        readWhileHolding.complete(in.read());
                        return;
                    }
                }
            } catch (IOException e) {
                // The client closed the connection between two requests: the end of this connection.
            }
        }

        /** An upstream that sends the head and {@code events} as one chunk, then holds the rest back. */
        static RawUpstream holdingTheRestAfter(String events) throws IOException {
            return new RawUpstream(socket -> {
                socket.getOutputStream().write((sseHead() + chunk(events)).getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                return false;
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions");
        }

        int connections() {
            return accepted.size();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void a_stream_closed_right_after_its_last_event_gives_its_connection_back_for_the_next_stream() throws Exception {
        String events = "data: 1\n\n" + "data: [DONE]\n\n";
        // The last event and the chunked body's terminator in one write, as a server ending its body does: the
        // terminator has arrived but is unread when the provider closes the stream after [DONE].
        try (RawUpstream upstream = new RawUpstream(socket -> {
            socket.getOutputStream().write((sseHead() + chunk("data: 1\n\n") + chunk("data: [DONE]\n\n")
                    + "0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            return true;
        })) {
            for (int i = 0; i < 3; i++) {
                try (UpstreamResponse response = transport.send(get(upstream.uri(), LONG, LONG))) {
                    byte[] read = response.body().readNBytes(events.length());
                    assertThat(new String(read, StandardCharsets.UTF_8)).isEqualTo(events);
                }
                // Closing completed the exchange; Jetty may still be finishing it on its own thread (it was handing
                // over the headers as the whole answer came in one piece): wait for the connection to be pooled.
                AbstractConnectionPool pool = (AbstractConnectionPool) client.getDestinations().getFirst()
                        .getConnectionPool();
                await().atMost(Duration.ofSeconds(5)).until(() -> pool.getIdleConnectionCount() == 1);
            }

            assertThat(upstream.connections()).as("three streams, one connection").isEqualTo(1);
        }
    }

    @Test
    void a_stream_closed_at_its_end_gives_its_connection_back_when_the_terminator_comes_later() throws Exception {
        String events = "data: [DONE]\n\n";
        CountDownLatch closedAtEnd = new CountDownLatch(1);
        // The terminator in a write of its own, after the provider has closed: as Jetty's server writes it.
        try (RawUpstream upstream = new RawUpstream(socket -> {
            socket.getOutputStream().write((sseHead() + chunk(events)).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            awaitQuietly(closedAtEnd);
            socket.getOutputStream().write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        })) {
            try (UpstreamResponse first = transport.send(get(upstream.uri(), LONG, LONG))) {
                assertThat(new String(first.body().readNBytes(events.length()), StandardCharsets.UTF_8))
                        .isEqualTo(events);
                first.closeAtEnd();
                closedAtEnd.countDown();
            }
            AbstractConnectionPool pool = (AbstractConnectionPool) client.getDestinations().getFirst()
                    .getConnectionPool();
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.getIdleConnectionCount() == 1);

            try (UpstreamResponse second = transport.send(get(upstream.uri(), LONG, LONG))) {
                assertThat(second.body().readNBytes(events.length())).hasSize(events.length());
                second.closeAtEnd();
            }
            assertThat(upstream.connections()).as("the second call reuses the first one's connection").isEqualTo(1);
        }
    }

    @Test
    void a_stream_closed_at_its_end_whose_body_never_ends_is_aborted_after_a_short_wait() throws Exception {
        try (RawUpstream upstream = RawUpstream.holdingTheRestAfter("data: [DONE]\n\n")) {
            UpstreamResponse response = transport.send(get(upstream.uri(), LONG, LONG));
            assertThat(response.body().readNBytes(14)).hasSize(14);

            response.closeAtEnd();

            assertThat(upstream.readWhileHolding.get(10, TimeUnit.SECONDS)).as("the client closed the connection")
                    .isEqualTo(-1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IOException("the test did not let the terminator go");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void a_stream_closed_before_its_end_while_the_upstream_holds_the_rest_is_not_reused() throws Exception {
        try (RawUpstream upstream = RawUpstream.holdingTheRestAfter("data: 1\n\n")) {
            UpstreamResponse first = transport.send(get(upstream.uri(), LONG, LONG));
            assertThat(first.body().readNBytes(9)).hasSize(9);

            first.close();

            assertThat(upstream.readWhileHolding.get(10, TimeUnit.SECONDS)).as("the client closed the connection")
                    .isEqualTo(-1);
            try (UpstreamResponse second = transport.send(get(upstream.uri(), LONG, LONG))) {
                assertThat(second.body().readNBytes(9)).hasSize(9);
            }
            assertThat(upstream.connections()).as("the half-read connection is not reused").isEqualTo(2);
        }
    }

    private static void skipRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended before its head did");
            }
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
    }

    @Test
    void close_from_another_thread_wakes_up_a_blocked_reader() throws Exception {
        behaviour = (request, response) -> {
            OutputStream out = Content.Sink.asOutputStream(response);
            write(out, "x");
            release.await();
        };
        UpstreamResponse response = transport.send(get(uri("/blocked"), LONG, LONG));
        InputStream body = response.body();
        assertThat(body.read()).isEqualTo('x');

        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        CountDownLatch readerDone = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                body.read();
            } catch (IOException e) {
                readerFailure.set(e);
            } finally {
                readerDone.countDown();
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> reader.getState() == Thread.State.WAITING);

        response.close();

        assertThat(readerDone.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(readerFailure.get()).isInstanceOf(IOException.class);
    }
}
