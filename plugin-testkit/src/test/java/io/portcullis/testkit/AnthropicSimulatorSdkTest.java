package io.portcullis.testkit;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.models.ModelInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.testkit.AnthropicSimulator.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official Anthropic Java SDK reads the simulator's answers, JSON and event streams alike, and the simulator
 * accepts what the SDK sends: the proof that both sides speak Anthropic's wire format.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class AnthropicSimulatorSdkTest {

    private static final String KEY = "sk-ant-sdk-test";

    private final AnthropicSimulator anthropic = AnthropicSimulator.start().requireApiKey(KEY);
    private final AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(anthropic.baseUrl().toString())
            .apiKey(KEY).maxRetries(0).timeout(Duration.ofSeconds(20)).build();

    @AfterEach
    void stop() {
        client.close();
        anthropic.close();
    }

    private static MessageCreateParams.Builder ask(String text) {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(256).system("Be brief.")
                .addUserMessage(text);
    }

    private static Tool weather() {
        return Tool.builder().name("get_weather").description("The weather in a city")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city",
                        Map.of("type", "string")))).build()).build();
    }

    private static String text(Message message) {
        return message.content().stream().flatMap(block -> block.text().stream()).map(text -> text.text())
                .reduce("", String::concat);
    }

    @Test
    void a_message_is_echoed_with_its_stop_reason_and_usage() {
        Message message = client.messages().create(ask("Hello there").build());

        assertThat(text(message)).isEqualTo("echo: Hello there");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isPositive();
        assertThat(message.usage().outputTokens()).isPositive();
        JsonNode sent = anthropic.lastRequest().body();
        assertThat(sent.path("system").asText()).isEqualTo("Be brief.");
        assertThat(anthropic.lastRequest().header("anthropic-version")).isNotBlank();
    }

    @Test
    void a_stream_is_the_documented_event_sequence_that_the_sdk_accumulates() {
        anthropic.script(Script.reply("one two three").inChunks(3));
        MessageAccumulator accumulator = MessageAccumulator.create();

        List<RawMessageStreamEvent> events;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(ask("count").build())) {
            events = stream.stream().peek(accumulator::accumulate).toList();
        }

        assertThat(events.getFirst().isMessageStart()).isTrue();
        assertThat(events.getLast().isMessageStop()).isTrue();
        assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)).hasSize(3);
        Message message = accumulator.message();
        assertThat(text(message)).isEqualTo("one two three");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().outputTokens()).isPositive();
    }

    @Test
    void a_streamed_tool_use_accumulates_into_its_input_and_its_result_is_accepted() {
        anthropic.script(Script.toolUse("get_weather", "{\"city\":\"Paris\"}").inChunks(4));
        MessageAccumulator accumulator = MessageAccumulator.create();
        MessageCreateParams params = ask("Weather in Paris?").addTool(weather()).build();

        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message called = accumulator.message();
        ToolUseBlock use = called.content().stream().flatMap(block -> block.toolUse().stream()).findFirst()
                .orElseThrow();

        assertThat(called.stopReason()).hasValue(StopReason.TOOL_USE);
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
        assertThat(anthropic.lastRequest().body().at("/tools/0/input_schema/type").asText()).isEqualTo("object");

        anthropic.script(Script.reply("Sunny."));
        Message answer = client.messages().create(params.toBuilder().addMessage(called)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam
                        .builder().toolUseId(use.id()).content("sunny, 24 C").build()))).build());
        assertThat(text(answer)).isEqualTo("Sunny.");
    }

    @Test
    void a_tool_use_left_without_its_result_is_refused_as_anthropic_refuses_it() {
        anthropic.scriptNext(Script.toolUse("get_weather", "{\"city\":\"Paris\"}"));
        MessageCreateParams params = ask("Weather in Paris?").addTool(weather()).build();
        Message called = client.messages().create(params);

        BadRequestException refused = catchThrowableOfType(BadRequestException.class, () -> client.messages()
                .create(params.toBuilder().addMessage(called).addUserMessage("never mind").build()));

        assertThat(refused.getMessage()).contains("`tool_use` ids were found without `tool_result` blocks");
    }

    @Test
    void errors_are_anthropic_s_error_objects_with_their_types() {
        anthropic.scriptNext(Script.error(529, "Overloaded"))
                .scriptNext(Script.error(429, "Too many requests").withHeader("retry-after", "4"));

        AnthropicServiceException overloaded = catchThrowableOfType(AnthropicServiceException.class,
                () -> client.messages().create(ask("Hi").build()));
        RateLimitException limited = catchThrowableOfType(RateLimitException.class,
                () -> client.messages().create(ask("Hi").build()));

        assertThat(overloaded.statusCode()).isEqualTo(529);
        assertThat(overloaded.errorType()).hasValue(ErrorType.OVERLOADED_ERROR);
        assertThat(limited.errorType()).hasValue(ErrorType.RATE_LIMIT_ERROR);
        assertThat(limited.headers().values("retry-after")).containsExactly("4");
    }

    @Test
    void a_wrong_key_is_an_authentication_error() {
        AnthropicClient wrongKey = AnthropicOkHttpClient.builder().baseUrl(anthropic.baseUrl().toString())
                .apiKey("sk-ant-wrong").maxRetries(0).build();

        AnthropicServiceException rejected = catchThrowableOfType(AnthropicServiceException.class,
                () -> wrongKey.messages().create(ask("Hi").build()));
        wrongKey.close();

        assertThat(rejected.statusCode()).isEqualTo(401);
        assertThat(rejected.errorType()).hasValue(ErrorType.AUTHENTICATION_ERROR);
    }

    @Test
    void an_error_event_ends_a_stream_with_an_error_the_sdk_raises() {
        anthropic.script(Script.reply("one two three four").inChunks(4)
                .errorEventAfterChunks(2, "overloaded_error", "Overloaded"));

        Throwable failure = catchThrowableOfType(RuntimeException.class, () -> {
            try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(ask("Hi").build())) {
                stream.stream().forEach(event -> { });
            }
        });

        assertThat(failure).hasMessageContaining("Overloaded");
    }

    @Test
    void the_model_list_is_anthropic_s() {
        assertThat(client.models().list().data()).extracting(ModelInfo::id)
                .containsExactly("claude-sonnet-4-5", "claude-haiku-4-5");
    }

    @Test
    void a_multi_turn_conversation_is_answered_from_its_last_user_turn() {
        Message message = client.messages().create(ask("one").addAssistantMessage("two")
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText("three"))).build());

        assertThat(text(message)).isEqualTo("echo: three");
        assertThat(anthropic.lastRequest().body().path("messages").findValuesAsText("role"))
                .containsExactly("user", "assistant", "user");
    }
}
