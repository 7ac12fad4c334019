package com.example.portcullis.modeloverride;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.portcullis.testkit.GatewayHttp;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged JAR, as an operator would drop it into plugins/, driven by the official OpenAI SDK. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelOverridePluginIT {

    @Test
    void the_packaged_plugin_overrides_a_streamed_request_from_the_openai_sdk() {
        try (RunningGateway gateway = RunningGateway.builder().pluginUnderTest().mockProvider().config("""
                models:
                  - { name: small, targets: [ { provider: mock } ] }
                  - { name: large, targets: [ { provider: mock } ] }
                routes: [ { path: /v1/chat/completions, policies: [ model-override ] } ]
                policies: { model-override: { allowed: [ large ] } }
                """).start()) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("small")
                    .addUserMessage("stream me").build();
            try (StreamResponse<ChatCompletionChunk> stream = gateway.openAi()
                    .withOptions(options -> options.putHeader("x-portcullis-model", "large"))
                    .chat().completions().createStreaming(params)) {
                List<ChatCompletionChunk> chunks = stream.stream().toList();

                assertThat(chunks).isNotEmpty().allSatisfy(chunk -> assertThat(chunk.model()).isEqualTo("large"));
            }
            assertThat(GatewayHttp.json(gateway.http().get("/health/ready")).path("plugins").toString())
                    .contains("\"id\":\"model-override\"").contains("\"version\":\"1.0.0\"")
                    .contains("\"policies\":[\"model-override\"]");
        }
    }
}
