package io.portcullis.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import io.portcullis.testkit.AnthropicSimulator;
import io.portcullis.testkit.GeminiSimulator;
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

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The real policy plugins (auth, pii-redaction, rate-limit) in front of the Anthropic and Gemini adapters, called
 * through both ingress formats with both official SDKs. The policies were written against the canonical model only:
 * this shows they need nothing else, whichever wire format the client speaks and whichever the upstream does.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoliciesAcrossProvidersIT {

    private static final String OPENAI_APP_KEY = "sk-openai-app";
    private static final String ANTHROPIC_APP_KEY = "sk-anthropic-app";
    private static final String EMAIL = "jane.doe@example.com";
    private static final String PROMPT = "Please write to " + EMAIL + " about the invoice.";

    private AnthropicSimulator anthropic;
    private GeminiSimulator gemini;
    private RunningGateway gateway;
    private OpenAIClient openAiApp;
    private AnthropicClient anthropicApp;

    @BeforeAll
    void start(@TempDir Path plugins) {
        anthropic = AnthropicSimulator.start();
        gemini = GeminiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.ANTHROPIC, BuiltPlugins.GEMINI, BuiltPlugins.AUTH,
                BuiltPlugins.PII, BuiltPlugins.RATE_LIMIT);
        gateway = RunningGateway.start("""
                providers:
                  - { id: anthropic, type: anthropic, baseUrl: "%s", apiKey: sk-ant-upstream }
                  - { id: gemini, type: gemini, baseUrl: "%s", apiKey: gm-upstream }
                models:
                  - { name: claude, targets: [ { provider: anthropic, model: claude-sonnet-4-5 } ] }
                  - { name: gemini, targets: [ { provider: gemini, model: gemini-2.5-flash } ] }
                routes:
                  - { path: /v1/chat/completions, policies: [ auth, pii-redaction, rate-limit ] }
                  - { path: /v1/messages, policies: [ auth, pii-redaction, rate-limit ] }
                policies:
                  auth: { keys: [ { id: openai-app, key: %s }, { id: anthropic-app, key: %s } ] }
                  pii-redaction: { defaultAction: mask }
                  rate-limit: { requestsPerMinute: 1000, tokensPerMinute: 1000000 }
                """.formatted(anthropic.baseUrl(), gemini.baseUrl(), OPENAI_APP_KEY, ANTHROPIC_APP_KEY), plugins);
        openAiApp = Clients.openAi(gateway, OPENAI_APP_KEY);
        anthropicApp = Clients.anthropic(gateway, ANTHROPIC_APP_KEY);
    }

    @AfterAll
    void stop() throws Exception {
        Clients.closeAll(openAiApp, anthropicApp, gateway, gemini, anthropic);
    }

    @BeforeEach
    void reset() {
        anthropic.reset();
        gemini.reset();
    }

    @Test
    void the_openai_sdk_on_a_gemini_model_gets_its_value_back_and_gemini_never_sees_it() {
        try (HttpResponseFor<ChatCompletion> response = openAiApp.withRawResponse().chat().completions()
                .create(OpenAiSdkIT.chat("gemini", PROMPT))) {
            assertThat(response.parse().choices().get(0).message().content()).hasValue("echo: " + PROMPT);
            assertThat(response.headers().values("x-ratelimit-limit-requests")).containsExactly("1000");
            assertThat(response.headers().values("x-portcullis-provider")).singleElement().asString()
                    .startsWith("gemini");
        }
        assertUpstreamSawOnlyThePlaceholder(gemini.lastRequest());
    }

    @Test
    void the_anthropic_sdk_on_an_anthropic_model_gets_its_value_back_and_anthropic_never_sees_it() {
        Message message = anthropicApp.messages().create(AnthropicSdkIT.ask("claude", PROMPT).build());

        assertThat(AnthropicSdkIT.text(message)).isEqualTo("echo: " + PROMPT);
        RecordedRequest upstream = anthropic.lastRequest();
        assertUpstreamSawOnlyThePlaceholder(upstream);
        assertThat(upstream.header("x-api-key")).isEqualTo("sk-ant-upstream");
    }

    @Test
    void the_anthropic_sdk_streams_from_a_gemini_model_with_the_value_restored_in_the_events() {
        gemini.script(GeminiSimulator.Script.echo().inChunks(7));
        MessageAccumulator accumulator = MessageAccumulator.create();

        AnthropicSdkIT.stream(anthropicApp, AnthropicSdkIT.ask("gemini", PROMPT).build(), accumulator);

        assertThat(AnthropicSdkIT.text(accumulator.message())).isEqualTo("echo: " + PROMPT);
        assertUpstreamSawOnlyThePlaceholder(gemini.lastRequest());
    }

    @Test
    void the_openai_sdk_streams_from_an_anthropic_model_with_the_value_restored_in_the_chunks() {
        anthropic.script(AnthropicSimulator.Script.echo().inChunks(7));
        String streamed;
        try (StreamResponse<ChatCompletionChunk> stream = openAiApp.chat().completions()
                .createStreaming(OpenAiSdkIT.chat("claude", PROMPT))) {
            streamed = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.delta().content().stream()).collect(Collectors.joining());
        }

        assertThat(streamed).isEqualTo("echo: " + PROMPT);
        assertUpstreamSawOnlyThePlaceholder(anthropic.lastRequest());
    }

    @Test
    void without_a_valid_key_neither_format_reaches_an_upstream() {
        OpenAIClient stranger = Clients.openAi(gateway, "sk-not-a-key");
        try {
            assertThat(catchThrowableOfType(UnauthorizedException.class,
                    () -> stranger.chat().completions().create(OpenAiSdkIT.chat("gemini", PROMPT))).statusCode())
                    .isEqualTo(401);
        } finally {
            stranger.close();
        }
        AnthropicClient anthropicStranger = Clients.anthropic(gateway, "sk-not-a-key");
        try {
            assertThat(catchThrowableOfType(com.anthropic.errors.UnauthorizedException.class,
                    () -> anthropicStranger.messages().create(AnthropicSdkIT.ask("claude", PROMPT).build()))
                    .statusCode()).isEqualTo(401);
        } finally {
            anthropicStranger.close();
        }

        assertThat(List.of(anthropic.requests(), gemini.requests())).allSatisfy(requests ->
                assertThat(requests).isEmpty());
    }

    private static void assertUpstreamSawOnlyThePlaceholder(RecordedRequest upstream) {
        assertThat(upstream.rawBody()).doesNotContain(EMAIL).contains("<EMAIL_1>");
    }
}
