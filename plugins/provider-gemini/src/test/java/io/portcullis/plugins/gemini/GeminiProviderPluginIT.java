package io.portcullis.plugins.gemini;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.testkit.GeminiSimulator;
import io.portcullis.testkit.GeminiSimulator.Script;
import io.portcullis.testkit.RecordedRequest;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The packaged plugin JAR in a real gateway, in front of the Gemini simulator, called by the official OpenAI SDK: the
 * proof that an application written for OpenAI can use a Gemini model unchanged.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeminiProviderPluginIT {

    private static final Path PLUGIN_JAR = Path.of(System.getProperty("portcullis.plugin.jar"));
    private static final String KEY = "AIza-it-0123456789";

    private GeminiSimulator gemini;
    private RunningGateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start(@TempDir Path plugins) throws IOException {
        Files.copy(PLUGIN_JAR, plugins.resolve(PLUGIN_JAR.getFileName()));
        gemini = GeminiSimulator.start();
        gateway = RunningGateway.start("""
                providers:
                  - { id: gemini, type: gemini, baseUrl: "%s", apiKey: "${GEMINI_API_KEY}" }
                models:
                  - { name: gemini-2.5-flash, targets: [ { provider: gemini, model: gemini-2.5-flash } ] }
                routes:
                  - { path: /v1/chat/completions, policies: [] }
                """.formatted(gemini.baseUrl()), plugins, Map.of("GEMINI_API_KEY", KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey("client-key")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (gemini != null) {
            gemini.close();
        }
    }

    @BeforeEach
    void forget() {
        gemini.reset().requireApiKey(KEY);
    }

    private static ChatCompletionCreateParams.Builder ask(String text) {
        return ChatCompletionCreateParams.builder().model("gemini-2.5-flash").addSystemMessage("Be brief.")
                .addUserMessage(text);
    }

    @Test
    void the_jar_holds_one_provider_factory_and_no_copy_of_the_plugin_api(@TempDir Path dir) throws IOException {
        Files.copy(PLUGIN_JAR, dir.resolve(PLUGIN_JAR.getFileName()));
        PluginManager plugins = new DefaultPluginManager(dir);
        plugins.loadPlugins();
        plugins.startPlugins();

        // Zero here means PF4J's annotation processor did not run (javac 23+ ignores processors on the class path).
        assertThat(plugins.getExtensionClasses(ProviderFactory.class, "provider-gemini")).singleElement()
                .satisfies(type -> assertThat(type.getName()).isEqualTo(GeminiProviderFactory.class.getName()));
        plugins.unloadPlugin("provider-gemini");
        try (JarFile jar = new JarFile(PLUGIN_JAR.toFile())) {
            assertThat(jar.stream().map(entry -> entry.getName()))
                    .noneMatch(name -> name.startsWith("io/portcullis/api/"))
                    .noneMatch(name -> name.startsWith("com/fasterxml/jackson/"));
        }
    }

    @Test
    void a_chat_completion_is_answered_by_gemini_through_the_sdk() {
        try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions()
                .create(ask("Hello, Gemini").maxCompletionTokens(64).temperature(0.3).build())) {
            ChatCompletion completion = response.parse();

            assertThat(completion.choices().get(0).message().content()).hasValue("echo: Hello, Gemini");
            assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(completion.model()).isEqualTo("gemini-2.5-flash");
            assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.totalTokens())
                    .isEqualTo(usage.promptTokens() + usage.completionTokens()));
            assertThat(response.headers().values("x-portcullis-provider")).containsExactly("gemini");
        }
        RecordedRequest request = gemini.lastRequest();
        assertThat(request.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(request.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(request.body().at("/systemInstruction/parts/0/text").asText()).isEqualTo("Be brief.");
        assertThat(request.body().at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(64);
    }

    @Test
    void a_streamed_completion_arrives_in_gemini_s_pieces() {
        gemini.script(Script.reply("streamed from Gemini").inChunks(3));

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(ask("stream please").build())) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();

            List<String> pieces = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.delta().content().stream()).filter(text -> !text.isEmpty()).toList();
            assertThat(pieces).hasSize(3);
            assertThat(String.join("", pieces)).isEqualTo("streamed from Gemini");
            assertThat(chunks.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.finishReason().stream()))
                    .containsExactly(ChatCompletionChunk.Choice.FinishReason.STOP);
        }
        assertThat(gemini.lastRequest().query()).isEqualTo("alt=sse");
    }

    @Test
    void a_tool_call_round_trip_works_unchanged_from_the_sdk() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("The weather in a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build()).build()).build();
        gemini.scriptNext(Script.functionCall("get_weather", "{\"city\":\"Paris\"}"));
        ChatCompletionCreateParams first = ask("Weather in Paris?").addTool(weather).build();

        ChatCompletion called = client.chat().completions().create(first);
        ChatCompletionMessageToolCall call = called.choices().get(0).message().toolCalls().orElseThrow().get(0);
        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(called.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id())
                        .content("{\"celsius\":21}").build())
                .build());

        assertThat(called.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(call.asFunction().function().name()).isEqualTo("get_weather");
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(gemini.lastRequest().body().at("/contents/2/parts/0/functionResponse/name").asText())
                .isEqualTo("get_weather");
        assertThat(answered.choices().get(0).message().content()).hasValue("echo: {\"celsius\":21}");
    }

    @Test
    void a_streamed_tool_call_reaches_the_sdk_with_its_arguments() {
        gemini.scriptNext(Script.functionCall("get_weather", "{\"city\":\"Rome\"}"));

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(ask("Weather in Rome?").build())) {
            List<ChatCompletionChunk.Choice.Delta.ToolCall> calls = stream.stream()
                    .flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.delta().toolCalls().stream().flatMap(List::stream)).toList();

            assertThat(calls).singleElement().satisfies(call -> {
                assertThat(call.id()).hasValue("call_0_get_weather");
                assertThat(call.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments))
                        .hasValue("{\"city\":\"Rome\"}");
            });
        }
    }

    @Test
    void a_safety_block_is_a_content_filter_finish_for_the_sdk() {
        gemini.scriptNext(Script.blockedPrompt("SAFETY"));

        ChatCompletion completion = client.chat().completions().create(ask("something unsafe").build());

        assertThat(completion.choices().get(0).finishReason())
                .isEqualTo(ChatCompletion.Choice.FinishReason.CONTENT_FILTER);
        assertThat(completion.choices().get(0).message().refusal()).hasValueSatisfying(refusal ->
                assertThat(refusal).contains("SAFETY"));
    }

    @Test
    void geminis_quota_error_reaches_the_sdk_as_a_429_with_retry_after() {
        gemini.scriptNext(Script.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.").withRetryDelay("12s"));

        RateLimitException failure = catchThrowableOfType(RateLimitException.class,
                () -> client.chat().completions().create(ask("hi").build()));

        assertThat(failure.statusCode()).isEqualTo(429);
        assertThat(failure.headers().values("retry-after")).containsExactly("12");
        assertThat(failure.getMessage()).contains("Quota exceeded.");
    }
}
