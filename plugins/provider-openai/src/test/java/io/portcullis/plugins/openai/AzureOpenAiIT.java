package io.portcullis.plugins.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.portcullis.testkit.OpenAiSimulator;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Azure OpenAI through the gateway: the packaged plugin JAR loaded by a real gateway, configured with
 * {@code flavor: azure}, called by the official OpenAI SDK, with the simulator serving Azure's deployment paths.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureOpenAiIT {

    private static final Path PLUGIN_JAR = Path.of(System.getProperty("portcullis.plugin.jar"));
    private static final String KEY = "azure-key-0123456789";

    private OpenAiSimulator azure;
    private RunningGateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start(@TempDir Path plugins) throws IOException {
        Files.copy(PLUGIN_JAR, plugins.resolve(PLUGIN_JAR.getFileName()));
        azure = OpenAiSimulator.start().requireApiKey(KEY);
        gateway = RunningGateway.start("""
                providers:
                  - id: azure
                    type: openai
                    flavor: azure
                    baseUrl: http://127.0.0.1:%d
                    apiKey: ${AZURE_OPENAI_API_KEY}
                    apiVersion: 2025-01-01-preview
                    deployments: { gpt-4o-mini: team-a-mini }
                models:
                  - { name: gpt-4o-mini, targets: [ { provider: azure, model: gpt-4o-mini } ] }
                routes:
                  - { path: /v1/chat/completions, policies: [] }
                """.formatted(azure.port()), plugins, Map.of("AZURE_OPENAI_API_KEY", KEY));
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
        if (azure != null) {
            azure.close();
        }
    }

    @BeforeEach
    void forget() {
        azure.reset().requireApiKey(KEY);
    }

    @Test
    void a_chat_completion_goes_to_the_deployment_with_the_api_version_and_the_api_key_header() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addSystemMessage("Be brief.").addUserMessage("Hello, Azure").build());

        assertThat(completion.choices().get(0).message().content()).hasValue("echo: Hello, Azure");
        assertThat(completion.model()).isEqualTo("gpt-4o-mini");
        RecordedRequest request = azure.lastRequest();
        assertThat(request.path()).isEqualTo("/openai/deployments/team-a-mini/chat/completions");
        assertThat(request.query()).isEqualTo("api-version=2025-01-01-preview");
        assertThat(request.header("api-key")).isEqualTo(KEY);
        assertThat(request.header("Authorization")).isNull();
    }

    @Test
    void a_stream_arrives_whole_from_the_deployment() {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("stream me").build())) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();

            String text = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.delta().content().stream()).reduce("", String::concat);
            assertThat(text).isEqualTo("echo: stream me");
        }
        assertThat(azure.lastRequest().path()).isEqualTo("/openai/deployments/team-a-mini/chat/completions");
        assertThat(azure.lastRequest().body().path("stream").asBoolean()).isTrue();
    }
}
