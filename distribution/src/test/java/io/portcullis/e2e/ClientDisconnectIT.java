package io.portcullis.e2e;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that goes away in the middle of a stream: the gateway stops the upstream at once (the simulator sees its
 * stream closed before it finished) and forgets the request (the in-flight gauge of {@code GET /metrics} returns to
 * 0), whether the upstream is holding its next chunk back or still sending.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClientDisconnectIT {

    private static final Duration BOUND = Duration.ofSeconds(15);
    private static final Pattern IN_FLIGHT = Pattern.compile("^portcullis_requests_inflight(?:\\{[^}]*})? (\\S+)$",
            Pattern.MULTILINE);

    @TempDir
    static Path plugins;

    private static OpenAiSimulator simulator;
    private static RunningGateway gateway;
    private static Http http;

    /** Shut in the tests that need it; opened after each, so that no held stream outlives its test. */
    private final OpenAiSimulator.Gate gate = new OpenAiSimulator.Gate();

    @BeforeAll
    static void start() {
        simulator = OpenAiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI);
        gateway = RunningGateway.start("""
                providers: [ { id: openai, type: openai, baseUrl: "%s", apiKey: sk-test } ]
                models: [ { name: gpt-4o-mini, targets: [ { provider: openai } ] } ]
                """.formatted(simulator.baseUrl()), plugins);
        http = new Http(gateway);
    }

    @AfterEach
    void resetTheSimulator() {
        gate.open();
        simulator.reset();
    }

    @AfterAll
    static void stop() throws Exception {
        Clients.closeAll(http, gateway, simulator);
    }

    @Test
    void a_client_that_leaves_while_the_upstream_holds_its_next_chunk_back_closes_the_upstream_stream()
            throws Exception {
        simulator.gateStreams(gate).script(Script.reply("a story that never gets to its second chunk").inChunks(8));

        try (Socket client = startStream()) {
            readUntilFirstText(client);
            await().atMost(BOUND).until(() -> gate.waiting() == 1);
            assertThat(inFlight()).as("the stream is in flight while the client reads it").isEqualTo(1);
        }

        // The gate stays shut: only the gateway noticing the client's departure can end the upstream stream.
        await().atMost(BOUND).untilAsserted(() -> {
            assertThat(simulator.closedEarly()).isEqualTo(1);
            assertThat(simulator.openStreams()).isZero();
            assertThat(gate.waiting()).isZero();
        });
        await().atMost(BOUND).until(() -> inFlight() == 0);
    }

    @Test
    void a_client_that_leaves_a_slow_stream_closes_the_upstream_stream() throws Exception {
        simulator.script(Script.reply("word ".repeat(400)).inChunks(400).withDelay(Duration.ofMillis(25)));

        try (Socket client = startStream()) {
            readUntilFirstText(client);
        }

        await().atMost(BOUND).untilAsserted(() -> {
            assertThat(simulator.closedEarly()).isEqualTo(1);
            assertThat(simulator.openStreams()).isZero();
        });
        await().atMost(BOUND).until(() -> inFlight() == 0);
    }

    @Test
    void an_sdk_client_that_stops_reading_and_closes_its_stream_closes_the_upstream_stream() {
        simulator.gateStreams(gate).script(Script.reply("one two three four").inChunks(4));

        OpenAIClient sdk = OpenAiSdkIT.sdk(gateway);
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions()
                .createStreaming(OpenAiSdkIT.chat("gpt-4o-mini", "count"))) {
            Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
            String text = "";
            while (text.isEmpty()) {
                text = Sse.textOf(List.of(chunks.next()));
            }
            assertThat(text).isEqualTo("one ");
        } finally {
            sdk.close();
        }

        await().atMost(BOUND).until(() -> simulator.closedEarly() == 1);
        await().atMost(BOUND).until(() -> inFlight() == 0);
    }

    @Test
    void an_anthropic_client_that_leaves_while_the_upstream_holds_its_next_chunk_back_closes_the_upstream_stream()
            throws Exception {
        simulator.gateStreams(gate).script(Script.reply("a story that never gets to its second chunk").inChunks(8));

        try (Socket client = startStream(AnthropicIngressIT.MESSAGES,
                AnthropicIngressIT.messages("gpt-4o-mini", "tell me a long story", true))) {
            readUntil(client, line -> line.startsWith("data: ") && line.contains("\"text_delta\""));
            await().atMost(BOUND).until(() -> gate.waiting() == 1);
        }

        await().atMost(BOUND).untilAsserted(() -> {
            assertThat(simulator.closedEarly()).isEqualTo(1);
            assertThat(simulator.openStreams()).isZero();
        });
        await().atMost(BOUND).until(() -> inFlight() == 0);
    }

    /** Sends a streamed chat request on a raw connection, which the test closes when it pleases. */
    private static Socket startStream() throws IOException {
        return startStream("/v1/chat/completions", Http.chat("gpt-4o-mini", "tell me a long story", true));
    }

    private static Socket startStream(String path, String json) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port());
        socket.setSoTimeout((int) BOUND.toMillis());
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    /** Reads the response until an event that carries text: the status, the headers, the role chunk, a piece. */
    private static void readUntilFirstText(Socket socket) throws IOException {
        readUntil(socket, line -> line.startsWith("data: {") && !Http.JSON.readTree(line.substring("data: ".length()))
                .path("choices").path(0).path("delta").path("content").asText("").isEmpty());
    }

    /** A test of one line of a response, which may fail to parse it. */
    private interface LineTest {
        boolean matches(String line) throws IOException;
    }

    /** Reads a 200 response until a line that passes the test. */
    private static void readUntil(Socket socket, LineTest wanted) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        String line;
        while ((line = in.readLine()) != null) {
            if (wanted.matches(line)) {
                return;
            }
        }
        throw new AssertionError("the stream ended before the line the test waits for");
    }

    private static int inFlight() {
        String metrics = http.get("/metrics").body();
        Matcher matcher = IN_FLIGHT.matcher(metrics);
        assertThat(matcher.find()).as("portcullis_requests_inflight in " + metrics).isTrue();
        return (int) Double.parseDouble(matcher.group(1));
    }
}
