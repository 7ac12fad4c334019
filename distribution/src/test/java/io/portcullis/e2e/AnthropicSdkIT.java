package io.portcullis.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.testkit.AnthropicSimulator;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.RecordedRequest;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official Anthropic Java SDK, unchanged but for its base URL, against the gateway's {@code POST /v1/messages}:
 * an application written for Anthropic's API using a model that an OpenAI-compatible upstream serves, and one that
 * an Anthropic upstream serves (through the canonical model and provider-anthropic, both ways).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AnthropicSdkIT {

    static AnthropicClient sdk(RunningGateway gateway) {
        return Clients.anthropic(gateway, "sk-ant-client-key");
    }

    static MessageCreateParams.Builder ask(String model, String text) {
        return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage(text);
    }

    static String text(Message message) {
        StringBuilder text = new StringBuilder();
        message.content().forEach(block -> block.text().ifPresent(t -> text.append(t.text())));
        return text.toString();
    }

    static Tool weatherTool() {
        return Tool.builder()
                .name("get_weather")
                .description("The current weather in a city")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .required(List.of("city"))
                        .build())
                .build();
    }

    /** Streams a request, returning the events in order after checking that the SDK accumulates them. */
    static List<RawMessageStreamEvent> stream(AnthropicClient client, MessageCreateParams params,
                                              MessageAccumulator accumulator) {
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
        }
        return events;
    }

    /** The event types in order, one letter each, runs of deltas folded: {@code S(BP?D+E)+MX}. */
    static String shape(List<RawMessageStreamEvent> events) {
        StringBuilder shape = new StringBuilder();
        for (RawMessageStreamEvent event : events) {
            char c = event.isMessageStart() ? 'S' : event.isContentBlockStart() ? 'B' : event.isContentBlockDelta()
                    ? 'D' : event.isContentBlockStop() ? 'E' : event.isMessageDelta() ? 'M' : event.isMessageStop()
                    ? 'X' : '?';
            if (c != 'D' || shape.isEmpty() || shape.charAt(shape.length() - 1) != 'D') {
                shape.append(c);
            }
        }
        return shape.toString();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class backed_by_an_openai_compatible_upstream {

        private OpenAiSimulator simulator;
        private RunningGateway gateway;
        private AnthropicClient client;

        @BeforeAll
        void start(@TempDir Path plugins) {
            simulator = OpenAiSimulator.start();
            BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI);
            gateway = RunningGateway.start("""
                    providers:
                      - { id: openai, type: openai, baseUrl: "%s", apiKey: sk-upstream }
                    models:
                      - { name: claude-like, targets: [ { provider: openai, model: upstream-mini-2024 } ] }
                    """.formatted(simulator.baseUrl()), plugins);
            client = sdk(gateway);
        }

        @AfterEach
        void resetTheSimulator() {
            simulator.reset();
        }

        @AfterAll
        void stop() throws Exception {
            Clients.closeAll(client, gateway, simulator);
        }

        @Test
        void a_message_with_a_system_prompt_is_answered_as_an_anthropic_message() {
            Message message = client.messages().create(ask("claude-like", "What is a portcullis?")
                    .system("You are terse.").stopSequences(List.of("\n\n"))
                    // This SDK version no longer models temperature; Anthropic's API still takes it.
                    .putAdditionalBodyProperty("temperature", JsonValue.from(0.25)).build());

            assertThat(text(message)).isEqualTo("echo: What is a portcullis?");
            assertThat(message.model().asString()).isEqualTo("claude-like");
            assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
            assertThat(message.usage().inputTokens()).isPositive();
            assertThat(message.usage().outputTokens()).isPositive();
            assertThat(message.id()).isNotBlank();

            JsonNode sent = simulator.lastRequest().body();
            assertThat(sent.path("model").asText()).isEqualTo("upstream-mini-2024");
            assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
            assertThat(sent.path("temperature").asDouble()).isEqualTo(0.25);
            assertThat(sent.path("stop").get(0).asText()).isEqualTo("\n\n");
            assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
            assertThat(sent.at("/messages/0/content").asText()).isEqualTo("You are terse.");
            assertThat(sent.at("/messages/1/role").asText()).isEqualTo("user");
            assertThat(sent.at("/messages/1/content").asText()).isEqualTo("What is a portcullis?");
        }

        @Test
        void a_conversation_of_several_turns_reaches_the_upstream_in_order() {
            Message message = client.messages().create(ask("claude-like", "My name is Ada.")
                    .addAssistantMessage("Hello Ada.")
                    .addUserMessage("What is my name?")
                    .build());

            assertThat(text(message)).isEqualTo("echo: What is my name?");
            JsonNode messages = simulator.lastRequest().body().path("messages");
            assertThat(messages).hasSize(3);
            assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "user");
            assertThat(messages.get(1).path("content").asText()).isEqualTo("Hello Ada.");
        }

        @Test
        void a_stream_comes_as_anthropics_event_sequence_and_accumulates_to_the_answer() {
            simulator.script(Script.reply("one two three four five").inChunks(5));
            MessageAccumulator accumulator = MessageAccumulator.create();

            List<RawMessageStreamEvent> events = stream(client, ask("claude-like", "count").build(), accumulator);

            assertThat(shape(events)).isEqualTo("SBDEMX");
            assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)).hasSize(5);
            Message message = accumulator.message();
            assertThat(text(message)).isEqualTo("one two three four five");
            assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
            assertThat(message.model().asString()).isEqualTo("claude-like");
            assertThat(message.usage().outputTokens()).isPositive();
            assertThat(simulator.lastRequest().body().path("stream").asBoolean()).isTrue();
        }

        @Test
        void a_tool_call_round_trip_goes_through_tool_use_and_tool_result() throws Exception {
            simulator.scriptNext(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"));
            MessageCreateParams first = ask("claude-like", "Weather in Paris?").addTool(weatherTool()).build();

            Message call = client.messages().create(first);

            assertThat(call.stopReason()).hasValue(StopReason.TOOL_USE);
            ToolUseBlock toolUse = call.content().stream().filter(ContentBlock::isToolUse).findFirst()
                    .orElseThrow().asToolUse();
            assertThat(toolUse.name()).isEqualTo("get_weather");
            assertThat(toolUse.id()).isEqualTo("call_get_weather");
            assertThat(toolUse._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
            JsonNode declared = simulator.lastRequest().body().at("/tools/0");
            assertThat(declared.path("type").asText()).isEqualTo("function");
            assertThat(declared.at("/function/name").asText()).isEqualTo("get_weather");
            assertThat(declared.at("/function/description").asText()).isEqualTo("The current weather in a city");
            assertThat(declared.at("/function/parameters/properties/city/type").asText()).isEqualTo("string");

            Message answer = client.messages().create(first.toBuilder()
                    .addMessage(call)
                    .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                            ToolResultBlockParam.builder().toolUseId(toolUse.id()).content("18 degrees, sunny")
                                    .build())))
                    .build());

            assertThat(text(answer)).isEqualTo("echo: 18 degrees, sunny");
            assertThat(answer.stopReason()).hasValue(StopReason.END_TURN);
            JsonNode messages = simulator.lastRequest().body().path("messages");
            assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool");
            assertThat(messages.at("/1/tool_calls/0/id").asText()).isEqualTo("call_get_weather");
            assertThat(messages.at("/1/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
            assertThat(Http.JSON.readTree(messages.at("/1/tool_calls/0/function/arguments").asText()).path("city")
                    .asText()).isEqualTo("Paris");
            assertThat(messages.at("/2/tool_call_id").asText()).isEqualTo("call_get_weather");
            assertThat(messages.at("/2/content").asText()).isEqualTo("18 degrees, sunny");
        }

        @Test
        void a_streamed_tool_call_arrives_as_input_json_deltas_that_add_up_to_the_arguments() {
            simulator.script(Script.toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}").inChunks(3));
            MessageAccumulator accumulator = MessageAccumulator.create();

            List<RawMessageStreamEvent> events = stream(client, ask("claude-like", "Weather in Paris?")
                    .addTool(weatherTool()).build(), accumulator);

            assertThat(shape(events)).isEqualTo("SBDEMX");
            assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                    .map(event -> event.asContentBlockDelta().delta())
                    .filter(delta -> delta.isInputJson())).hasSize(3);
            Message message = accumulator.message();
            assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
            ToolUseBlock toolUse = message.content().getFirst().asToolUse();
            assertThat(toolUse.name()).isEqualTo("get_weather");
            assertThat(toolUse._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris", "unit", "celsius"));
        }

        @Test
        void an_upstream_refusal_reaches_the_sdk_as_anthropics_error_with_the_same_status() {
            simulator.scriptNext(Script.error(429, "Rate limit reached").withHeader("Retry-After", "7"));

            assertThatThrownBy(() -> client.messages().create(ask("claude-like", "hello").build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.type()).hasValueSatisfying(type -> assertThat(type.asString())
                                .isEqualTo("rate_limit_error"));
                    });
        }

        @Test
        void an_unknown_model_is_a_404_not_found_error() {
            assertThatThrownBy(() -> client.messages().create(ask("no-such-model", "hello").build()))
                    .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(404);
                        assertThat(e.type()).hasValueSatisfying(type -> assertThat(type.asString())
                                .isEqualTo("not_found_error"));
                        assertThat(e.getMessage()).contains("no-such-model");
                        assertThat(e.requestId()).as("the SDK reads the request id from request-id")
                                .hasValueSatisfying(id -> assertThat(id).startsWith("req-"));
                    });
        }
    }
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class backed_by_an_anthropic_upstream {

        private static final String UPSTREAM_KEY = "sk-ant-upstream-secret";

        private AnthropicSimulator simulator;
        private RunningGateway gateway;
        private AnthropicClient client;

        @BeforeAll
        void start(@TempDir Path plugins) {
            simulator = AnthropicSimulator.start().requireApiKey(UPSTREAM_KEY);
            BuiltPlugins.copy(plugins, BuiltPlugins.ANTHROPIC);
            gateway = RunningGateway.start("""
                    providers:
                      - { id: anthropic, type: anthropic, baseUrl: "%s", apiKey: %s }
                    models:
                      - { name: claude, targets: [ { provider: anthropic, model: claude-sonnet-4-5 } ] }
                    """.formatted(simulator.baseUrl(), UPSTREAM_KEY), plugins);
            client = sdk(gateway);
        }

        @AfterEach
        void resetTheSimulator() {
            simulator.reset().requireApiKey(UPSTREAM_KEY);
        }

        @AfterAll
        void stop() throws Exception {
            Clients.closeAll(client, gateway, simulator);
        }

        @Test
        void a_message_reaches_the_upstream_as_the_client_wrote_it_with_the_gateways_key() {
            Message message = client.messages().create(ask("claude", "What is a portcullis?")
                    .system("You are terse.").stopSequences(List.of("STOP"))
                    .addAssistantMessage("A gate.").addUserMessage("Say more.").build());

            assertThat(text(message)).isEqualTo("echo: Say more.");
            assertThat(message.model().asString()).isEqualTo("claude");
            assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
            assertThat(message.usage().inputTokens()).isPositive();
            assertThat(message.usage().outputTokens()).isPositive();

            RecordedRequest received = simulator.lastRequest();
            assertThat(received.header("x-api-key")).isEqualTo(UPSTREAM_KEY);
            JsonNode sent = received.body();
            assertThat(sent.path("model").asText()).isEqualTo("claude-sonnet-4-5");
            assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
            assertThat(sent.path("system").asText()).isEqualTo("You are terse.");
            assertThat(sent.path("stop_sequences").get(0).asText()).isEqualTo("STOP");
            assertThat(sent.path("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");
        }

        @Test
        void a_stream_keeps_anthropics_event_sequence_through_the_canonical_chunks() {
            simulator.script(AnthropicSimulator.Script.reply("one two three four").inChunks(4));
            MessageAccumulator accumulator = MessageAccumulator.create();

            List<RawMessageStreamEvent> events = stream(client, ask("claude", "count").build(), accumulator);

            assertThat(shape(events)).isEqualTo("SBDEMX");
            assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)).hasSize(4);
            Message message = accumulator.message();
            assertThat(text(message)).isEqualTo("one two three four");
            assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
            assertThat(message.usage().outputTokens()).isPositive();
            // Canonical chunks carry usage at the end only, so message_delta (not message_start) brings the input tokens.
            assertThat(message.usage().inputTokens()).isPositive();
        }

        @Test
        void a_tool_call_round_trip_and_a_streamed_tool_call_keep_their_ids_and_input() {
            simulator.scriptNext(AnthropicSimulator.Script.toolUse("get_weather", "{\"city\":\"Paris\"}"));
            MessageCreateParams first = ask("claude", "Weather in Paris?").addTool(weatherTool()).build();

            Message call = client.messages().create(first);

            assertThat(call.stopReason()).hasValue(StopReason.TOOL_USE);
            ToolUseBlock toolUse = call.content().stream().filter(ContentBlock::isToolUse).findFirst()
                    .orElseThrow().asToolUse();
            assertThat(toolUse.id()).isEqualTo("toolu_get_weather");
            assertThat(toolUse._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
            JsonNode declared = simulator.lastRequest().body().at("/tools/0");
            assertThat(declared.path("name").asText()).isEqualTo("get_weather");
            assertThat(declared.at("/input_schema/properties/city/type").asText()).isEqualTo("string");

            Message answer = client.messages().create(first.toBuilder()
                    .addMessage(call)
                    .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                            ToolResultBlockParam.builder().toolUseId(toolUse.id()).content("18 degrees").build())))
                    .build());

            assertThat(text(answer)).isEqualTo("echo: 18 degrees");
            JsonNode messages = simulator.lastRequest().body().path("messages");
            assertThat(messages.at("/1/content/0/type").asText()).isEqualTo("tool_use");
            assertThat(messages.at("/1/content/0/id").asText()).isEqualTo("toolu_get_weather");
            assertThat(messages.at("/2/content/0/type").asText()).isEqualTo("tool_result");
            assertThat(messages.at("/2/content/0/tool_use_id").asText()).isEqualTo("toolu_get_weather");

            simulator.script(AnthropicSimulator.Script.toolUse("get_weather", "{\"city\":\"Oslo\"}").inChunks(3));
            MessageAccumulator accumulator = MessageAccumulator.create();
            stream(client, first, accumulator);
            ToolUseBlock streamed = accumulator.message().content().getFirst().asToolUse();
            assertThat(streamed.id()).isEqualTo("toolu_get_weather");
            assertThat(streamed._input().convert(Map.class)).isEqualTo(Map.of("city", "Oslo"));
            assertThat(accumulator.message().stopReason()).hasValue(StopReason.TOOL_USE);
        }

        @Test
        void an_overloaded_upstream_is_an_honest_5xx_in_anthropics_format() {
            simulator.scriptNext(AnthropicSimulator.Script.error(529, "Overloaded"));

            assertThatThrownBy(() -> client.messages().create(ask("claude", "hello").build()))
                    .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                        assertThat(e.statusCode()).isGreaterThanOrEqualTo(500);
                        assertThat(e.type()).isPresent();
                        assertThat(e.getMessage()).doesNotContain(UPSTREAM_KEY);
                    });
        }
    }
}
