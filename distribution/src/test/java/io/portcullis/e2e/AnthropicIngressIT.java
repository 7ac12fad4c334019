package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/messages} byte for byte: Anthropic's error object with an honest status for every bad input, the
 * raw event sequence of a stream (with its {@code ping}), and a stream that breaks after it started ending with
 * Anthropic's {@code error} event.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AnthropicIngressIT {

    static final String MESSAGES = "/v1/messages";

    @TempDir
    static Path plugins;

    private static OpenAiSimulator simulator;
    private static RunningGateway gateway;
    private static Http http;

    @BeforeAll
    static void start() {
        simulator = OpenAiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.OPENAI);
        gateway = RunningGateway.start("""
                server: { maxBodyBytes: 4096 }
                providers:
                  - { id: mock, type: mock, chunks: 4 }
                  - { id: openai, type: openai, baseUrl: "%s", apiKey: sk-upstream }
                models:
                  - { name: mock, targets: [ { provider: mock } ] }
                  - { name: gpt-4o-mini, targets: [ { provider: openai } ] }
                """.formatted(simulator.baseUrl()), plugins);
        http = new Http(gateway);
    }

    @AfterEach
    void resetTheSimulator() {
        simulator.reset();
    }

    @AfterAll
    static void stop() throws Exception {
        Clients.closeAll(http, gateway, simulator);
    }

    /** A messages request for one user message, as JSON text. */
    static String messages(String model, String userText, boolean stream) {
        return Http.JSON.createObjectNode()
                .put("model", model)
                .put("max_tokens", 100)
                .put("stream", stream)
                .set("messages", Http.JSON.createArrayNode().add(Http.JSON.createObjectNode()
                        .put("role", "user").put("content", userText)))
                .toString();
    }

    /**
     * Checks that a response is an honest Anthropic error: the status, a JSON content type, an {@code x-request-id}
     * that the body repeats, the {@code {"type":"error","error":{"type","message"}}} shape, and nothing of the
     * gateway's insides.
     *
     * @return the {@code error} object
     */
    static JsonNode assertAnthropicError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/json"));
        assertThat(response.body()).doesNotContain("Exception", "at io.", "at java.", "com.fasterxml",
                "io.portcullis.");
        JsonNode body = Http.json(response);
        assertThat(body.path("type").asText()).as(response.body()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).as(response.body()).isEqualTo(type);
        assertThat(body.at("/error/message").asText()).isNotBlank();
        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        assertThat(body.path("request_id").asText()).isEqualTo(requestId);
        assertThat(response.headers().firstValue("request-id")).as("where Anthropic's SDKs look").hasValue(requestId);
        return body.path("error");
    }

    /** The {@code event:} names and {@code data:} payloads of a whole SSE body, in order. */
    record Event(String name, JsonNode data) {
    }

    static List<Event> events(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.strip().split("\n");
            assertThat(lines).as(block).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            try {
                JsonNode data = Http.JSON.readTree(lines[1].substring("data: ".length()));
                String name = lines[0].substring("event: ".length());
                assertThat(data.path("type").asText()).as("the data's type repeats the event's name").isEqualTo(name);
                events.add(new Event(name, data));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return events;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON          | {\"model\":\"mock\",\"messages\":[}                                     | malformed JSON",
            "not an object           | [1,2]                                                                | expected a JSON object, got array",
            "empty body              | ''                                                                   | the body is empty",
            "no max_tokens           | {\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: is required",
            "max_tokens not a number | {\"model\":\"mock\",\"max_tokens\":\"ten\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: expected a positive integer, got a string",
            "no model                | {\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | model: is required",
            "no messages             | {\"model\":\"mock\",\"max_tokens\":5}                                  | messages: is required",
            "messages not an array   | {\"model\":\"mock\",\"max_tokens\":5,\"messages\":{}}                  | messages: expected an array, got an object",
            "a system role message   | {\"model\":\"mock\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]} | messages[0].role: expected \"user\" or \"assistant\"",
            "content a number        | {\"model\":\"mock\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":5}]} | messages[0].content: expected a string or an array of content blocks, got 5",
            "unknown block type      | {\"model\":\"mock\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]} | messages[0].content[0].type: \"video\" blocks are not supported",
            "system a number         | {\"model\":\"mock\",\"max_tokens\":5,\"system\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | system: expected a string or an array of text blocks",
            "stream a string         | {\"model\":\"mock\",\"max_tokens\":5,\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | stream: expected true or false",
            "tool without schema     | {\"model\":\"mock\",\"max_tokens\":5,\"tools\":[{\"name\":\"t\"}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | tools[0].input_schema: is required",
            "bad tool_choice         | {\"model\":\"mock\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"maybe\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | tool_choice.type: expected auto, any, tool or none",
    })
    void bad_input_gets_anthropics_400_that_names_what_is_wrong(String what, String body, String expected) {
        HttpResponse<String> response = http.post(MESSAGES, body);

        JsonNode error = assertAnthropicError(response, 400, "invalid_request_error");
        assertThat(error.path("message").asText()).contains(expected);
    }

    @Test
    void a_body_larger_than_allowed_is_a_413_request_too_large() {
        String big = messages("mock", "x".repeat(8192), false);

        assertAnthropicError(http.post(MESSAGES, big), 413, "request_too_large");
    }

    @Test
    void a_get_is_a_405_in_anthropics_format() {
        HttpResponse<String> response = http.get(MESSAGES);

        assertAnthropicError(response, 405, "invalid_request_error");
        assertThat(response.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void an_unreachable_model_is_a_404_not_found_error_and_the_gateway_serves_on() {
        assertAnthropicError(http.post(MESSAGES, messages("no-such-model", "hi", false)), 404, "not_found_error");

        assertThat(http.post(MESSAGES, messages("mock", "hi", false)).statusCode()).isEqualTo(200);
    }

    @Test
    void a_stream_is_anthropics_event_sequence_with_a_ping_after_the_first_block_opens() {
        HttpResponse<String> response = http.post(MESSAGES, messages("mock", "stream this back", true));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<Event> events = events(response.body());
        List<String> names = events.stream().map(Event::name).toList();
        assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
        assertThat(names.subList(names.size() - 3, names.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        assertThat(names.subList(3, names.size() - 3)).containsOnly("content_block_delta").hasSize(4);

        JsonNode start = events.getFirst().data().path("message");
        assertThat(start.path("role").asText()).isEqualTo("assistant");
        assertThat(start.path("model").asText()).isEqualTo("mock");
        assertThat(start.path("content").isArray()).isTrue();
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.name().equals("content_block_delta")).forEach(e -> {
            assertThat(e.data().path("index").asInt()).isZero();
            assertThat(e.data().at("/delta/type").asText()).isEqualTo("text_delta");
            text.append(e.data().at("/delta/text").asText());
        });
        assertThat(text.toString()).isEqualTo("You said: stream this back");
        JsonNode delta = events.get(events.size() - 2).data();
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(delta.at("/usage/output_tokens").asInt()).isPositive();
    }

    @Test
    void a_stream_that_breaks_after_it_started_ends_with_an_error_event() {
        simulator.script(Script.reply("one two three four").inChunks(4).resetAfterChunks(2));

        HttpResponse<String> response = http.post(MESSAGES, messages("gpt-4o-mini", "count", true));

        assertThat(response.statusCode()).isEqualTo(200);
        List<Event> events = events(response.body());
        Event last = events.getLast();
        assertThat(last.name()).isEqualTo("error");
        assertThat(last.data().at("/error/type").asText()).isEqualTo("api_error");
        assertThat(last.data().at("/error/message").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("message_stop", "Exception");
        assertThat(events.stream().map(Event::name)).contains("message_start", "content_block_delta");
    }

    @Test
    void images_and_a_system_prompt_of_blocks_reach_an_openai_upstream_as_its_content_parts() {
        String body = """
                {"model":"gpt-4o-mini","max_tokens":50,
                 "system":[{"type":"text","text":"Be brief."},{"type":"text","text":" Be kind."}],
                 "metadata":{"user_id":"user-42"},
                 "messages":[{"role":"user","content":[
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                   {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
                   {"type":"text","text":"What are these?"}]}]}""";

        HttpResponse<String> response = http.send(http.request(MESSAGES).header("Content-Type", "application/json")
                .header("x-api-key", "sk-ant-client").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode sent = simulator.lastRequest().body();
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(sent.at("/messages/0/content/0/text").asText() + sent.at("/messages/0/content/1/text").asText())
                .isEqualTo("Be brief. Be kind.");
        JsonNode parts = sent.at("/messages/1/content");
        assertThat(parts.at("/0/image_url/url").asText()).isEqualTo("data:image/png;base64,iVBORw0KGgo=");
        assertThat(parts.at("/1/image_url/url").asText()).isEqualTo("https://example.com/cat.jpg");
        assertThat(parts.at("/2/text").asText()).isEqualTo("What are these?");
        assertThat(sent.path("user").asText()).isEqualTo("user-42");
        assertThat(simulator.lastRequest().header("x-api-key")).as("the client's key stays at the gateway").isNull();
        assertThat(Http.json(response).at("/content/0/text").asText()).isEqualTo("echo: What are these?");
    }
}
