package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.models.Model;
import io.portcullis.testkit.AnthropicSimulator;
import io.portcullis.testkit.AnthropicSimulator.Script;
import io.portcullis.testkit.RecordedRequest;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The built plugin JAR in a real gateway in front of the Anthropic simulator, called with the official OpenAI Java
 * SDK: an OpenAI client talks to a Claude model without knowing it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AnthropicProviderPluginIT {

    private static final Path PLUGIN_JAR = Path.of(System.getProperty("portcullis.plugin.jar"));
    private static final String API_KEY = "sk-ant-upstream-secret";

    private AnthropicSimulator anthropic;
    private RunningGateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start(@TempDir Path plugins) throws IOException {
        anthropic = AnthropicSimulator.start().requireApiKey(API_KEY);
        Files.copy(PLUGIN_JAR, plugins.resolve(PLUGIN_JAR.getFileName()));
        gateway = RunningGateway.start("""
                providers:
                  - { id: anthropic, type: anthropic, baseUrl: "%s", apiKey: %s }
                models:
                  - { name: claude, targets: [ { provider: anthropic, model: claude-sonnet-4-5 } ] }
                """.formatted(anthropic.baseUrl(), API_KEY), plugins);
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void resetTheSimulator() {
        anthropic.reset().requireApiKey(API_KEY);
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (anthropic != null) {
            anthropic.close();
        }
    }

    private static ChatCompletionCreateParams.Builder chat(String text) {
        return ChatCompletionCreateParams.builder().model("claude").addSystemMessage("You are terse.")
                .addUserMessage(text);
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .description("The weather in a city").parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city",
                                Map.of("type", "string"))))
                        .build()).build()).build();
    }

    @Test
    void the_jar_holds_the_plugin_and_its_extension_index_but_not_the_plugin_api() throws IOException {
        try (JarFile jar = new JarFile(PLUGIN_JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Plugin-Id")).isEqualTo("provider-anthropic");
            assertThat(new String(jar.getInputStream(jar.getEntry("META-INF/extensions.idx")).readAllBytes(),
                    StandardCharsets.UTF_8)).contains(AnthropicProviderFactory.class.getName());
            assertThat(jar.stream().map(JarEntry::getName))
                    .noneMatch(name -> name.startsWith("io/portcullis/api/"))
                    .noneMatch(name -> name.startsWith("com/fasterxml/jackson/"))
                    .noneMatch(name -> name.startsWith("org/pf4j/"));
        }
    }

    @Test
    void the_model_is_listed_by_its_public_name() {
        assertThat(client.models().list().data()).map(Model::id).containsExactly("claude");
    }

    @Test
    void a_chat_completion_is_answered_by_the_anthropic_upstream() {
        try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions()
                .create(chat("What is a portcullis?").temperature(0.5).maxCompletionTokens(64).build())) {
            ChatCompletion completion = response.parse();

            assertThat(completion.choices().getFirst().message().content()).hasValue("echo: What is a portcullis?");
            assertThat(completion.choices().getFirst().finishReason())
                    .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(completion.model()).isEqualTo("claude");
            assertThat(completion.usage()).hasValueSatisfying(usage -> {
                assertThat(usage.promptTokens()).isPositive();
                assertThat(usage.completionTokens()).isPositive();
            });
            assertThat(response.headers().values("x-portcullis-provider")).containsExactly("anthropic");
        }
        RecordedRequest received = anthropic.lastRequest();
        assertThat(received.path()).isEqualTo("/v1/messages");
        assertThat(received.header("x-api-key")).isEqualTo(API_KEY);
        assertThat(received.header("anthropic-version")).isEqualTo("2023-06-01");
        JsonNode body = received.body();
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("system").asText()).isEqualTo("You are terse.");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.5);
    }

    @Test
    void a_stream_arrives_as_openai_chunks_with_the_usage_the_client_asked_for() {
        anthropic.script(Script.reply("one two three four five").inChunks(5));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks;

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("count to five").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            chunks = stream.stream().peek(accumulator::accumulate).toList();
        }

        assertThat(anthropic.lastRequest().body().path("stream").asBoolean()).isTrue();
        assertThat(chunks.stream().flatMap(chunk -> chunk.choices().stream())
                .flatMap(choice -> choice.delta().content().stream()).filter(text -> !text.isEmpty())).hasSize(5);
        ChatCompletion whole = accumulator.chatCompletion();
        assertThat(whole.choices().getFirst().message().content()).hasValue("one two three four five");
        assertThat(whole.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(chunks.getLast().usage()).hasValueSatisfying(usage -> {
            assertThat(usage.promptTokens()).isPositive();
            assertThat(usage.completionTokens()).isEqualTo(6);
        });
        assertThat(chunks).map(ChatCompletionChunk::model).containsOnly("claude");
    }

    @Test
    void a_tool_call_goes_round_trip_through_the_gateway() {
        anthropic.scriptNext(Script.toolUse("get_weather", "{\"city\":\"Paris\"}"))
                .scriptNext(Script.reply("Sunny in Paris."));
        ChatCompletionCreateParams ask = chat("Weather in Paris?").addTool(weatherTool()).build();

        ChatCompletion called = client.chat().completions().create(ask);

        assertThat(called.choices().getFirst().finishReason())
                .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessage assistant = called.choices().getFirst().message();
        ChatCompletionMessageToolCall call = assistant.toolCalls().orElseThrow().getFirst();
        assertThat(call.asFunction().id()).isEqualTo("toolu_get_weather");
        assertThat(call.asFunction().function().name()).isEqualTo("get_weather");
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(anthropic.lastRequest().body().at("/tools/0/input_schema/properties/city/type").asText())
                .isEqualTo("string");

        ChatCompletion answer = client.chat().completions().create(ask.toBuilder().addMessage(assistant)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id())
                        .content("sunny, 24 C").build()).build());

        assertThat(answer.choices().getFirst().message().content()).hasValue("Sunny in Paris.");
        JsonNode turns = anthropic.lastRequest().body().path("messages");
        assertThat(turns.findValuesAsText("role")).containsExactly("user", "assistant", "user");
        assertThat(turns.at("/2/content/0/tool_use_id").asText()).isEqualTo("toolu_get_weather");
    }

    @Test
    void a_streamed_tool_call_reaches_the_client_as_argument_deltas() {
        anthropic.script(Script.toolUse("get_weather", "{\"city\":\"Paris\"}").inChunks(4));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        long argumentPieces;

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("Weather in Paris?").addTool(weatherTool()).build())) {
            argumentPieces = stream.stream().peek(accumulator::accumulate)
                    .flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.delta().toolCalls().stream().flatMap(List::stream))
                    .filter(piece -> piece.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function
                            ::arguments).filter(arguments -> !arguments.isEmpty()).isPresent())
                    .count();
        }

        assertThat(argumentPieces).isEqualTo(4);
        ChatCompletion whole = accumulator.chatCompletion();
        assertThat(whole.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageToolCall call = whole.choices().getFirst().message().toolCalls().orElseThrow()
                .getFirst();
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
    }

    @Test
    void an_overloaded_upstream_is_a_503_and_a_rate_limit_a_429_with_retry_after() {
        anthropic.scriptNext(Script.error(529, "Overloaded"))
                .scriptNext(Script.error(429, "rate limited").withHeader("retry-after", "9"));

        OpenAIServiceException overloaded = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat("Hi").build()));
        RateLimitException limited = catchThrowableOfType(RateLimitException.class,
                () -> client.chat().completions().create(chat("Hi").build()));

        assertThat(overloaded.statusCode()).isEqualTo(503);
        assertThat(overloaded.getMessage()).contains("overloaded");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().values("retry-after")).containsExactly("9");
    }

    @Test
    void the_gateway_s_key_never_reaches_the_client_when_anthropic_rejects_it() {
        anthropic.requireApiKey("another-key");

        OpenAIServiceException rejected = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat("Hi").build()));

        assertThat(rejected.statusCode()).isEqualTo(502);
        assertThat(rejected.getMessage()).contains("credentials").doesNotContain(API_KEY);
    }
}
