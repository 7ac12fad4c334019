package io.portcullis.e2e;

import io.portcullis.testkit.AnthropicSimulator;
import io.portcullis.testkit.GeminiSimulator;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Streams keep their connections: a client streaming answer after answer on one HTTP/1.1 connection gets them all on
 * it, and the gateway streams them from the upstream over one pooled connection, for each provider: those whose stream
 * ends with a terminal event (OpenAI's {@code data: [DONE]}, Anthropic's {@code message_stop}) before the body's end
 * as well as Gemini's, which ends with its body.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KeepAliveIT {

    private static final int STREAMS = 5;
    private static final Duration BOUND = Duration.ofSeconds(15);

    @TempDir
    static Path plugins;

    private static OpenAiSimulator openai;
    private static AnthropicSimulator anthropic;
    private static GeminiSimulator gemini;
    private static RunningGateway gateway;
    private static Http http;

    @BeforeAll
    static void start() {
        openai = OpenAiSimulator.start();
        anthropic = AnthropicSimulator.start();
        gemini = GeminiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI, BuiltPlugins.ANTHROPIC, BuiltPlugins.GEMINI);
        gateway = RunningGateway.start("""
                providers:
                  - { id: openai, type: openai, baseUrl: "%s", apiKey: sk-test }
                  - { id: anthropic, type: anthropic, baseUrl: "%s", apiKey: sk-ant-upstream }
                  - { id: gemini, type: gemini, baseUrl: "%s", apiKey: gm-upstream }
                models:
                  - { name: gpt-4o-mini, targets: [ { provider: openai } ] }
                  - { name: claude, targets: [ { provider: anthropic, model: claude-sonnet-4-5 } ] }
                  - { name: gemini, targets: [ { provider: gemini, model: gemini-2.5-flash } ] }
                """.formatted(openai.baseUrl(), anthropic.baseUrl(), gemini.baseUrl()), plugins);
        http = new Http(gateway);
    }

    @AfterAll
    static void stop() throws Exception {
        Clients.closeAll(http, gateway, gemini, anthropic, openai);
    }

    @Test
    void sequential_streams_through_provider_openai_share_one_upstream_connection() {
        assertStreamsShareOneConnection("gpt-4o-mini", openai::connectionsOpened, openai::closedEarly);
    }

    @Test
    void sequential_streams_through_provider_anthropic_share_one_upstream_connection() {
        assertStreamsShareOneConnection("claude", anthropic::connectionsOpened, anthropic::closedEarly);
    }

    @Test
    void sequential_streams_through_provider_gemini_share_one_upstream_connection() {
        // Gemini's stream has no terminal event: it ends with its body. The simulator does not count early closes.
        assertStreamsShareOneConnection("gemini", gemini::connectionsOpened, () -> 0);
    }

    /** Streams {@link #STREAMS} answers of a model, one after the other, and counts its upstream's connections. */
    private static void assertStreamsShareOneConnection(String model, IntSupplier connectionsOpened,
                                                        IntSupplier closedEarly) {
        int before = connectionsOpened.getAsInt();

        for (int i = 0; i < STREAMS; i++) {
            HttpResponse<String> response = http.post("/v1/chat/completions", Http.chat(model, "hello " + i, true));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("[DONE]");
            assertThat(Sse.text(Sse.events(response.body()))).contains("hello " + i);
        }

        // At most one: an earlier test of this class may have left the pooled connection open already.
        assertThat(connectionsOpened.getAsInt() - before).as("upstream connections for " + STREAMS + " streams")
                .isLessThanOrEqualTo(1);
        assertThat(closedEarly.getAsInt()).as("no stream was cut short").isZero();
    }

    @Test
    void a_client_streams_two_answers_on_one_connection() throws IOException {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            client.setSoTimeout((int) BOUND.toMillis());
            InputStream in = client.getInputStream();

            for (String question : new String[] {"first", "second"}) {
                send(client.getOutputStream(), Http.chat("gpt-4o-mini", question, true));
                Map<String, String> headers = readHead(in);
                assertThat(headers).containsEntry("content-type", "text/event-stream; charset=utf-8")
                        .doesNotContainKey("connection");
                String body = readChunkedBody(in);
                assertThat(Sse.text(Sse.events(body))).isEqualTo("echo: " + question);
                assertThat(body).endsWith("data: [DONE]\n\n");
            }
        }
    }

    @Test
    void a_request_pipelined_behind_a_stream_is_answered_or_the_connection_closes_never_lost() throws IOException {
        OpenAiSimulator.Gate gate = new OpenAiSimulator.Gate();
        openai.gateStreams(gate);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            client.setSoTimeout((int) BOUND.toMillis());
            PushbackInputStream in = new PushbackInputStream(client.getInputStream());
            send(client.getOutputStream(), Http.chat("gpt-4o-mini", "first answer", true));
            await().atMost(BOUND).until(() -> gate.waiting() == 1);

            // While the gateway waits on the upstream, watching the connection for the client's departure.
            send(client.getOutputStream(), Http.chat("gpt-4o-mini", "second", true));
            gate.open();

            readHead(in);
            assertThat(Sse.text(Sse.events(readChunkedBody(in)))).isEqualTo("echo: first answer");
            // Either the watch read the pipelined request, and the connection closes after the first answer, or it
            // did not, and the second answer follows. Never a connection that waits for an answer that never comes.
            int next = in.read();
            if (next >= 0) {
                in.unread(next);
                readHead(in);
                assertThat(Sse.text(Sse.events(readChunkedBody(in)))).isEqualTo("echo: second");
            }
        } finally {
            gate.open();
            openai.gateStreams(null);
        }
    }

    private static void send(OutputStream out, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** Reads a 200 response's status line and headers; header names in lower case. */
    private static Map<String, String> readHead(InputStream in) throws IOException {
        assertThat(readLine(in)).isEqualTo("HTTP/1.1 200 OK");
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        assertThat(headers).containsEntry("transfer-encoding", "chunked");
        return headers;
    }

    /** Reads a chunked body to its terminator, and no further: what follows belongs to the next response. */
    private static String readChunkedBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
            if (size == 0) {
                assertThat(readLine(in)).as("no trailers, then the end of the body").isEmpty();
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(size));
            assertThat(readLine(in)).isEmpty();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the connection ended in the middle of a response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
