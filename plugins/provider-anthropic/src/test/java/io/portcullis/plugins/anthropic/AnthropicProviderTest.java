package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.ChatResponseAssembler;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.services.JettyHttpTransport;
import io.portcullis.testkit.AnthropicSimulator;
import io.portcullis.testkit.AnthropicSimulator.Script;
import io.portcullis.testkit.RecordedRequest;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** The provider against the Anthropic simulator, through the runtime's real HTTP transport. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class AnthropicProviderTest {

    private static final String KEY = "sk-ant-test-0123456789abcdef";
    private static final ChatRequest HELLO = ChatRequest.of("claude-sonnet-4-5",
            List.of(Message.of(Message.SYSTEM, "Be brief."), Message.of(Message.USER, "hello there")));
    private static final Tool WEATHER = new Tool("function", new Tool.Function("get_weather", "The weather in a city",
            AnthropicProvider.JSON.createObjectNode().put("type", "object"), null, null), null);

    private static HttpClient client;
    private static JettyHttpTransport transport;

    private final AnthropicSimulator anthropic = AnthropicSimulator.start().requireApiKey(KEY);

    @BeforeAll
    static void startClient() throws Exception {
        client = new HttpClient();
        client.setConnectTimeout(1_000);
        client.start();
        transport = new JettyHttpTransport(client);
    }

    @AfterAll
    static void stopClient() throws Exception {
        client.stop();
    }

    @AfterEach
    void stopSimulator() {
        anthropic.close();
    }

    private Provider provider() {
        return new AnthropicProviderFactory(transport).create("anthropic", new AnthropicConfig(
                anthropic.baseUrl().toString(), KEY, null, 1024, Map.of("anthropic-beta", "test-beta"), null, null));
    }

    private static CallContext call() {
        return new CallContext("req-42", java.time.Instant.now().plusSeconds(20));
    }

    private static List<ChatChunk> drain(ChunkStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (stream) {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                chunks.add(chunk.get());
            }
        }
        return chunks;
    }

    private static ChatResponse assembled(List<ChatChunk> chunks) {
        ChatResponseAssembler assembler = new ChatResponseAssembler();
        chunks.forEach(assembler::add);
        return assembler.build();
    }

    private static ChatRequest withWeatherTool(List<Message> messages) {
        return new ChatRequest("claude-sonnet-4-5", messages, null, null, null, null, null, null, List.of(WEATHER),
                TextNode.valueOf("auto"), null, null);
    }

    @Test
    void a_chat_returns_the_upstream_s_answer_and_usage() {
        ChatResponse response = provider().chat(HELLO, call());

        assertThat(response.text()).isEqualTo("echo: hello there");
        assertThat(response.id()).startsWith("msg_");
        assertThat(response.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(response.usage().promptTokens()).isPositive();
        assertThat(response.usage().completionTokens()).isPositive();
    }

    @Test
    void a_request_carries_the_key_the_version_the_configured_headers_and_the_system_prompt() {
        provider().chat(HELLO, call());

        RecordedRequest request = anthropic.lastRequest();
        assertThat(request.path()).isEqualTo("/v1/messages");
        assertThat(request.header("x-api-key")).isEqualTo(KEY);
        assertThat(request.header("anthropic-version")).isEqualTo(AnthropicConfig.DEFAULT_VERSION);
        assertThat(request.header("anthropic-beta")).isEqualTo("test-beta");
        assertThat(request.header("authorization")).isNull();
        assertThat(request.body().path("system").asText()).isEqualTo("Be brief.");
        assertThat(request.body().path("max_tokens").asInt()).as("the configured default").isEqualTo(1024);
    }

    @Test
    void a_multi_turn_conversation_is_answered_from_its_last_user_turn() {
        ChatRequest conversation = ChatRequest.of("claude-sonnet-4-5", List.of(Message.of(Message.USER, "one"),
                Message.of(Message.ASSISTANT, "two"), Message.of(Message.USER, "three")));

        assertThat(provider().chat(conversation, call()).text()).isEqualTo("echo: three");
        assertThat(anthropic.lastRequest().body().path("messages").findValuesAsText("role"))
                .containsExactly("user", "assistant", "user");
    }

    @Test
    void a_tool_call_goes_round_trip_call_result_and_final_answer() {
        anthropic.scriptNext(Script.toolUse("get_weather", "{\"city\":\"Paris\"}"))
                .scriptNext(Script.reply("It is sunny in Paris."));
        List<Message> conversation = new ArrayList<>(List.of(Message.of(Message.USER, "Weather in Paris?")));
        Provider provider = provider();

        ChatResponse called = provider.chat(withWeatherTool(conversation), call());

        assertThat(called.choices().get(0).finishReason()).isEqualTo("tool_calls");
        Message assistant = called.choices().get(0).message();
        assertThat(assistant.toolCalls()).singleElement().satisfies(toolCall -> {
            assertThat(toolCall.id()).isEqualTo("toolu_get_weather");
            assertThat(toolCall.function().name()).isEqualTo("get_weather");
            assertThat(toolCall.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
        assertThat(anthropic.lastRequest().body().at("/tools/0/input_schema/type").asText()).isEqualTo("object");

        conversation.add(assistant);
        conversation.add(new Message(Message.TOOL, Content.text("sunny, 24 C"), null, null, "toolu_get_weather",
                null));
        ChatResponse answer = provider.chat(withWeatherTool(conversation), call());

        // The simulator refuses a tool_result whose tool_use is not in the turn before, as Anthropic does.
        assertThat(answer.text()).isEqualTo("It is sunny in Paris.");
        JsonNode sent = anthropic.lastRequest().body().path("messages");
        assertThat(sent.at("/1/content/0/type").asText()).isEqualTo("tool_use");
        assertThat(sent.at("/2/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(sent.at("/2/content/0/content").asText()).isEqualTo("sunny, 24 C");
    }

    @Test
    void a_stream_comes_as_chunks_that_add_up_to_the_answer_with_its_usage() {
        anthropic.script(Script.reply("one two three four").inChunks(4));

        List<ChatChunk> chunks = drain(provider().stream(HELLO, call()));

        assertThat(anthropic.lastRequest().body().path("stream").asBoolean()).isTrue();
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).isEqualTo("assistant");
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.id()).startsWith("msg_"));
        assertThat(chunks.stream().filter(chunk -> !chunk.choices().isEmpty()
                && chunk.choices().getFirst().delta().content() != null
                && !chunk.choices().getFirst().delta().content().isEmpty())).hasSize(4);
        ChatChunk last = chunks.getLast();
        assertThat(last.choices()).as("a usage-only last chunk, as OpenAI sends").isEmpty();
        assertThat(last.usage().promptTokens()).as("input tokens from message_start").isPositive();
        assertThat(last.usage().completionTokens()).as("output tokens from message_delta").isEqualTo(5);
        ChatResponse whole = assembled(chunks);
        assertThat(whole.text()).isEqualTo("one two three four");
        assertThat(whole.choices().getFirst().finishReason()).isEqualTo("stop");
    }

    @Test
    void a_streamed_tool_call_arrives_as_argument_deltas_that_add_up_to_its_input() {
        anthropic.script(Script.toolUses(new Script.ToolUse("toolu_a", "get_weather", "{\"city\":\"Paris\"}"),
                new Script.ToolUse("toolu_b", "get_weather", "{\"city\":\"Rome\"}")).withText("Looking.").inChunks(3));

        List<ChatChunk> chunks = drain(provider().stream(withWeatherTool(List.of(Message.of(Message.USER,
                "Weather in Paris and Rome?"))), call()));

        List<ChatChunk.ToolCallDelta> pieces = chunks.stream().filter(chunk -> !chunk.choices().isEmpty())
                .map(chunk -> chunk.choices().getFirst().delta().toolCalls()).filter(calls -> calls != null)
                .flatMap(List::stream).toList();
        assertThat(pieces).as("a start and three fragments per call").hasSize(8);
        assertThat(pieces.getFirst().id()).isEqualTo("toolu_a");
        assertThat(pieces.getFirst().function().name()).isEqualTo("get_weather");
        assertThat(pieces.get(1).function().arguments()).isNotEmpty().isNotEqualTo("{\"city\":\"Paris\"}");
        ChatResponse whole = assembled(chunks);
        Message message = whole.choices().getFirst().message();
        assertThat(message.text()).isEqualTo("Looking.");
        assertThat(message.toolCalls()).extracting(ToolCall::id).containsExactly("toolu_a", "toolu_b");
        assertThat(message.toolCalls()).extracting(call -> call.function().arguments())
                .containsExactly("{\"city\":\"Paris\"}", "{\"city\":\"Rome\"}");
        assertThat(whole.choices().getFirst().finishReason()).isEqualTo("tool_calls");
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource({
            "400, invalid_request_error, 400, UPSTREAM_REJECTED",
            "401, authentication_error,  502, UPSTREAM_ERROR",
            "402, billing_error,         502, UPSTREAM_ERROR",
            "403, permission_error,      502, UPSTREAM_ERROR",
            "404, not_found_error,       404, UPSTREAM_REJECTED",
            "413, request_too_large,     413, UPSTREAM_REJECTED",
            "429, rate_limit_error,      429, RATE_LIMITED",
            "500, api_error,             502, UPSTREAM_ERROR",
            "504, timeout_error,         504, UPSTREAM_TIMEOUT",
            "529, overloaded_error,      503, UPSTREAM_UNAVAILABLE"})
    void each_anthropic_error_type_gets_an_honest_status(int status, String type, int expected, ErrorCode code) {
        anthropic.script(Script.error(status, new AnthropicSimulator.ErrorBody(type, "something about " + type)));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> provider().chat(HELLO, call()));

        assertThat(failure.status()).isEqualTo(expected);
        assertThat(failure.code()).isEqualTo(code);
        assertThat(failure.getMessage()).doesNotContain(KEY);
    }

    @Test
    void the_client_reads_anthropic_s_message_for_a_request_it_got_wrong() {
        anthropic.script(Script.error(400, "messages.0.content: text content blocks must be non-empty"));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> provider().chat(HELLO, call()));

        assertThat(failure.getMessage()).isEqualTo("messages.0.content: text content blocks must be non-empty");
    }

    @Test
    void a_rate_limit_and_an_overload_keep_the_upstream_s_retry_after() {
        anthropic.scriptNext(Script.error(429, "Number of request tokens has exceeded your per-minute rate limit")
                        .withHeader("retry-after", "7"))
                .scriptNext(Script.error(529, "Overloaded").withHeader("retry-after", "3"));

        GatewayException limited = catchThrowableOfType(GatewayException.class, () -> provider().chat(HELLO, call()));
        GatewayException overloaded = catchThrowableOfType(GatewayException.class,
                () -> provider().chat(HELLO, call()));

        assertThat(limited.headers()).containsEntry("Retry-After", "7");
        assertThat(overloaded.headers()).containsEntry("Retry-After", "3");
    }

    @Test
    void an_error_event_in_the_middle_of_a_stream_fails_the_stream_with_its_mapped_error() {
        anthropic.script(Script.reply("one two three four").inChunks(4)
                .errorEventAfterChunks(2, "overloaded_error", "Overloaded"));
        ChunkStream stream = provider().stream(HELLO, call());
        List<String> texts = new ArrayList<>();

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                texts.add(chunk.get().choices().getFirst().delta().content());
            }
        });
        stream.close();

        assertThat(texts).containsExactly("", "one ", "two t");
        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
    }

    @Test
    void a_stream_whose_connection_resets_fails_instead_of_ending_quietly() {
        anthropic.script(Script.reply("one two three four").inChunks(4).resetAfterChunks(2));
        ChunkStream stream = provider().stream(HELLO, call());

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> drain(stream));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }

    @Test
    void closing_a_stream_early_reaches_the_upstream() {
        anthropic.script(Script.reply("one two three four").inChunks(4).hangAfterChunks(1));
        ChunkStream stream = provider().stream(HELLO, call());

        assertThat(stream.next()).isPresent();
        stream.close();

        await().until(() -> anthropic.closedEarly() == 1);
    }

    @Test
    void the_model_list_is_the_upstream_s_unless_configured() {
        anthropic.models("claude-opus-4-1", "claude-haiku-4-5");

        assertThat(provider().models()).extracting(ModelInfo::id).containsExactly("claude-opus-4-1",
                "claude-haiku-4-5");
        assertThat(anthropic.lastRequest().path()).isEqualTo("/v1/models");
        Provider configured = new AnthropicProvider("anthropic", new AnthropicConfig(anthropic.baseUrl().toString(),
                KEY, null, null, null, null, List.of("claude-sonnet-4-5")), transport);
        assertThat(configured.models()).extracting(ModelInfo::id).containsExactly("claude-sonnet-4-5");
    }
}
