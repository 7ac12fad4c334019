package io.portcullis.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testkit.OpenAiSimulator.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class OpenAiSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HELLO = """
            {"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},
             {"role":"user","content":"hello there"}]}""";

    private final OpenAiSimulator openai = OpenAiSimulator.start();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        openai.close();
        http.close();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(openai.baseUrl() + path)).timeout(Duration.ofSeconds(10));
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String streaming(String json, boolean includeUsage) {
        String options = includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "";
        return json.substring(0, json.lastIndexOf('}')) + ",\"stream\":true" + options + "}";
    }

    /** The {@code data:} payloads of an event stream, in order, [DONE] included. */
    private static List<String> events(String sse) {
        assertThat(sse).endsWith("\n\n");
        List<String> events = new ArrayList<>();
        for (String event : sse.split("\n\n")) {
            assertThat(event).startsWith("data: ");
            events.add(event.substring("data: ".length()));
        }
        return events;
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    @Test
    void a_chat_completion_echoes_the_last_user_message_with_a_plausible_usage() throws Exception {
        HttpResponse<String> response = post("/chat/completions", HELLO);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode completion = json(response.body());
        assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.path("id").asText()).startsWith("chatcmpl-");
        assertThat(completion.path("model").asText()).isEqualTo("gpt-4o-mini");
        JsonNode choice = completion.path("choices").get(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo("echo: hello there");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = completion.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("completion_tokens").asInt()).isPositive();
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
    }

    @Test
    void every_request_is_recorded_with_its_method_path_query_headers_and_body() throws Exception {
        http.send(request("/chat/completions?api-version=1").header("Authorization", "Bearer sk-x")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(HELLO)).build(),
                HttpResponse.BodyHandlers.discarding());
        get("/models");

        assertThat(openai.requests()).hasSize(2);
        RecordedRequest chat = openai.requests().get(0);
        assertThat(chat.method()).isEqualTo("POST");
        assertThat(chat.path()).isEqualTo("/v1/chat/completions");
        assertThat(chat.query()).isEqualTo("api-version=1");
        assertThat(chat.header("AUTHORIZATION")).isEqualTo("Bearer sk-x");
        assertThat(chat.body().path("messages").get(1).path("content").asText()).isEqualTo("hello there");
        assertThat(openai.lastRequest().path()).isEqualTo("/v1/models");
    }

    @Test
    void a_stream_sends_a_role_chunk_text_chunks_a_finish_chunk_and_done() throws Exception {
        HttpResponse<String> response = post("/chat/completions", streaming(HELLO, false));

        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<String> events = events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : events.subList(0, events.size() - 1)) {
            chunks.add(json(event));
        }
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("id").asText()).isEqualTo(chunks.get(0).path("id").asText());
            assertThat(chunk.has("usage")).as("no usage field unless asked for").isFalse();
        });
        assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> text.append(chunk.path("choices").get(0).path("delta").path("content").asText("")));
        assertThat(text).hasToString("echo: hello there");
        assertThat(chunks).hasSize(1 + 3 + 1);
        assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void a_content_filter_withholds_the_answer_with_its_finish_reason_whole_and_streamed() throws Exception {
        openai.script(OpenAiSimulator.Script.contentFilter());

        JsonNode choice = json(post("/chat/completions", HELLO).body()).path("choices").get(0);
        List<String> events = events(post("/chat/completions", streaming(HELLO, false)).body());

        assertThat(choice.path("message").path("content").asText()).isEmpty();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("content_filter");
        assertThat(events).hasSize(3);
        assertThat(json(events.get(1)).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("content_filter");
        assertThat(events.getLast()).isEqualTo("[DONE]");
    }

    @Test
    void include_usage_adds_a_usage_chunk_without_choices_before_done() throws Exception {
        List<String> events = events(post("/chat/completions", streaming(HELLO, true)).body());

        JsonNode usageChunk = json(events.get(events.size() - 2));
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("total_tokens").asInt()).isPositive();
        JsonNode first = json(events.getFirst());
        assertThat(first.has("usage")).isTrue();
        assertThat(first.path("usage").isNull()).as("usage: null in the chunks before").isTrue();
    }

    @Test
    void a_scripted_tool_call_streams_its_arguments_in_fragments() throws Exception {
        openai.script(Script.toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}").inChunks(4));

        List<String> events = events(post("/chat/completions", streaming(HELLO, false)).body());

        JsonNode first = json(events.getFirst()).path("choices").get(0).path("delta");
        assertThat(first.path("tool_calls").get(0).path("id").asText()).isEqualTo("call_get_weather");
        assertThat(first.path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        StringBuilder arguments = new StringBuilder();
        for (String event : events.subList(1, events.size() - 2)) {
            arguments.append(json(event).path("choices").get(0).path("delta").path("tool_calls").get(0)
                    .path("function").path("arguments").asText());
        }
        assertThat(arguments).hasToString("{\"city\":\"Paris\",\"unit\":\"celsius\"}");
        assertThat(events).hasSize(1 + 4 + 1 + 1);
        assertThat(json(events.get(events.size() - 2)).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("tool_calls");
    }

    @Test
    void a_tool_result_is_accepted_only_after_the_assistant_call_it_answers() throws Exception {
        String roundTrip = """
                {"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"get_weather","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}""";
        String orphan = """
                {"model":"gpt-4o-mini","messages":[{"role":"user","content":"weather?"},
                 {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}""";

        HttpResponse<String> answered = post("/chat/completions", roundTrip);
        HttpResponse<String> rejected = post("/chat/completions", orphan);

        assertThat(json(answered.body()).path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("echo: sunny");
        assertThat(rejected.statusCode()).isEqualTo(400);
        assertThat(json(rejected.body()).path("error").path("param").asText()).isEqualTo("messages.[1].role");
    }

    @Test
    void a_request_without_messages_gets_openai_s_error_object() throws Exception {
        HttpResponse<String> response = post("/chat/completions", "{\"model\":\"gpt-4o-mini\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = json(response.body()).path("error");
        assertThat(error.path("message").asText()).isEqualTo("Missing required parameter: 'messages'.");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("messages");
        assertThat(error.path("code").asText()).isEqualTo("missing_required_parameter");
    }

    @Test
    void stream_options_without_stream_is_rejected() throws Exception {
        String body = HELLO.substring(0, HELLO.lastIndexOf('}')) + ",\"stream_options\":{\"include_usage\":true}}";

        HttpResponse<String> response = post("/chat/completions", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).path("error").path("param").asText()).isEqualTo("stream_options");
    }

    @Test
    void an_unknown_path_is_404_invalid_url() throws Exception {
        HttpResponse<String> response = post("/completions/legacy", HELLO);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response.body()).path("error").path("message").asText())
                .isEqualTo("Invalid URL (POST /v1/completions/legacy)");
    }

    @Test
    void a_required_api_key_turns_away_requests_without_it() throws Exception {
        openai.requireApiKey("sk-right");

        HttpResponse<String> without = post("/chat/completions", HELLO);
        HttpResponse<String> with = http.send(request("/chat/completions").header("Authorization", "Bearer sk-right")
                .POST(HttpRequest.BodyPublishers.ofString(HELLO)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(without.statusCode()).isEqualTo(401);
        assertThat(json(without.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(with.statusCode()).isEqualTo(200);
    }

    @Test
    void embeddings_are_unit_vectors_as_floats_or_little_endian_base64() throws Exception {
        JsonNode floats = json(post("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":8}").body());
        JsonNode base64 = json(post("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":8,\"encoding_format\":\"base64\"}")
                .body());

        float[] expectedA = OpenAiSimulator.embeddingOf("a", 8);
        assertThat(floats.path("data")).hasSize(2);
        assertThat(floats.path("data").get(1).path("index").asInt()).isEqualTo(1);
        float[] a = new float[8];
        for (int i = 0; i < 8; i++) {
            a[i] = floats.path("data").get(0).path("embedding").get(i).floatValue();
        }
        assertThat(a).containsExactly(expectedA);
        double norm = 0;
        for (float value : a) {
            norm += value * value;
        }
        assertThat(norm).isCloseTo(1.0, offset(1e-5));
        assertThat(floats.path("usage").path("prompt_tokens").asInt()).isEqualTo(2);

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.path("data").get(0).path("embedding")
                .asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[8];
        bytes.asFloatBuffer().get(decoded);
        assertThat(decoded).containsExactly(expectedA);
    }

    @Test
    void the_models_list_and_a_single_model_are_served() throws Exception {
        openai.models("gpt-4o-mini", "llama3");

        JsonNode list = json(get("/models").body());
        HttpResponse<String> one = get("/models/llama3");
        HttpResponse<String> missing = get("/models/nope");

        assertThat(list.path("object").asText()).isEqualTo("list");
        assertThat(list.path("data").findValuesAsText("id")).containsExactly("gpt-4o-mini", "llama3");
        assertThat(json(one.body()).path("owned_by").asText()).isEqualTo("system");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void a_scripted_error_carries_its_headers_and_applies_once_when_scripted_for_the_next_request()
            throws Exception {
        openai.scriptNext(Script.error(429, "Rate limit reached").withHeader("Retry-After", "3"));

        HttpResponse<String> limited = post("/chat/completions", HELLO);
        HttpResponse<String> after = post("/chat/completions", HELLO);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).contains("3");
        JsonNode error = json(limited.body()).path("error");
        assertThat(error.path("message").asText()).isEqualTo("Rate limit reached");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("param").isNull()).isTrue();
        assertThat(after.statusCode()).isEqualTo(200);
    }

    @Test
    void a_scripted_reply_stays_until_reset() throws Exception {
        openai.script(Script.reply("fixed"));

        String first = json(post("/chat/completions", HELLO).body()).at("/choices/0/message/content").asText();
        String second = json(post("/chat/completions", HELLO).body()).at("/choices/0/message/content").asText();
        openai.reset();
        String afterReset = json(post("/chat/completions", HELLO).body()).at("/choices/0/message/content").asText();

        assertThat(List.of(first, second)).containsOnly("fixed");
        assertThat(afterReset).isEqualTo("echo: hello there");
        assertThat(openai.requests()).hasSize(1);
    }

    @Test
    void a_delayed_stream_takes_at_least_its_delays() throws Exception {
        openai.script(Script.reply("one two three").withDelay(Duration.ofMillis(100)));
        long start = System.nanoTime();

        List<String> events = events(post("/chat/completions", streaming(HELLO, false)).body());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(events).hasSize(1 + 3 + 1 + 1);
    }

    @Test
    void a_hang_never_answers_and_counts_as_closed_early_when_the_client_gives_up() {
        openai.script(Script.hang());

        assertThatThrownBy(() -> http.send(request("/models").timeout(Duration.ofMillis(300)).GET().build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);

        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> openai.inFlight() == 0);
    }

    @Test
    void a_stream_the_client_closes_while_the_simulator_is_silent_is_counted_and_no_longer_open() throws Exception {
        openai.script(Script.reply("a b c d e f").hangAfterChunks(2));
        HttpResponse<InputStream> response = http.send(request("/chat/completions")
                        .POST(HttpRequest.BodyPublishers.ofString(streaming(HELLO, false))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        while (lines.stream().filter(line -> line.startsWith("data: ")).count() < 3) {
            lines.add(reader.readLine());
        }
        assertThat(openai.openStreams()).isEqualTo(1);
        assertThat(openai.closedEarly()).isZero();

        reader.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> openai.openStreams() == 0);
    }

    /** Reads an event stream's lines until {@code count} events have arrived; returns their data. */
    private static List<String> readEvents(BufferedReader reader, int count) throws IOException {
        List<String> data = new ArrayList<>();
        while (data.size() < count) {
            String line = reader.readLine();
            assertThat(line).as("the stream ended early").isNotNull();
            if (line.startsWith("data: ")) {
                data.add(line.substring("data: ".length()));
            }
        }
        return data;
    }

    private BufferedReader openStream() throws Exception {
        HttpResponse<InputStream> response = http.send(request("/chat/completions")
                        .POST(HttpRequest.BodyPublishers.ofString(streaming(HELLO, false))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void a_gated_stream_holds_each_later_chunk_until_the_test_lets_it_go() throws Exception {
        OpenAiSimulator.Gate gate = new OpenAiSimulator.Gate();
        openai.gateStreams(gate).script(Script.reply("one two three"));

        try (BufferedReader reader = openStream()) {
            List<String> head = readEvents(reader, 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 1);
            gate.release();
            List<String> second = readEvents(reader, 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 1);
            gate.open();
            List<String> rest = readEvents(reader, 3);

            assertThat(json(head.get(1)).at("/choices/0/delta/content").asText()).isEqualTo("one");
            assertThat(json(second.get(0)).at("/choices/0/delta/content").asText()).isEqualTo(" two");
            assertThat(json(rest.get(0)).at("/choices/0/delta/content").asText()).isEqualTo(" three");
            assertThat(rest.getLast()).isEqualTo("[DONE]");
        }
    }

    @Test
    void a_client_that_leaves_while_its_stream_waits_at_the_gate_is_counted_as_closed_early() throws Exception {
        OpenAiSimulator.Gate gate = new OpenAiSimulator.Gate();
        openai.gateStreams(gate).script(Script.reply("one two three"));
        BufferedReader reader = openStream();
        readEvents(reader, 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 1);

        reader.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 0 && openai.openStreams() == 0);
    }

    @Test
    void a_stream_read_to_its_end_is_not_counted_as_closed_early() throws Exception {
        openai.script(Script.reply("a b c").withDelay(Duration.ofMillis(10)));

        List<String> events = events(post("/chat/completions", streaming(HELLO, true)).body());

        assertThat(events.getLast()).isEqualTo("[DONE]");
        await().atMost(Duration.ofSeconds(5)).until(() -> openai.inFlight() == 0);
        assertThat(openai.closedEarly()).isZero();
    }

    @Test
    void a_reset_after_some_chunks_breaks_the_client_s_read() throws Exception {
        openai.script(Script.reply("a b c d e f").resetAfterChunks(2));

        HttpResponse<InputStream> response = http.send(request("/chat/completions")
                        .POST(HttpRequest.BodyPublishers.ofString(streaming(HELLO, false))).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> response.body().readAllBytes()).isInstanceOf(IOException.class);
        assertThat(openai.closedEarly()).as("a scripted reset is not the client's doing").isZero();
    }
}
