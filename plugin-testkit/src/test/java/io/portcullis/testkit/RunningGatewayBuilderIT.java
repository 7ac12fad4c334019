package io.portcullis.testkit;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kit as a plugin author meets it: a builder, a plugin under test, an upstream, ready clients. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RunningGatewayBuilderIT {

    private static final String STAMP_ROUTE = """
            routes: [ { path: /v1/chat/completions, policies: [ stamp ] } ]
            policies: { stamp: { header: x-stamp, value: stamped } }
            """;

    @TempDir
    Path work;

    @Test
    void a_plugin_jar_with_the_bundled_mock_provider_answers_plain_http_and_the_openai_sdk() {
        Path jar = PluginJars.plugin("stamp", "1.0.0").extension(StampPolicyFactory.class)
                .writeTo(work.resolve("stamp.jar"));

        try (RunningGateway gateway = RunningGateway.builder().plugin(jar).mockProvider().config(STAMP_ROUTE)
                .start()) {
            HttpResponse<String> response = gateway.http().post("/v1/chat/completions",
                    GatewayHttp.chat(RunningGateway.MODEL, "hello"));
            assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hello");
            assertThat(response.headers().firstValue("x-stamp")).hasValue("stamped");

            ChatCompletion completion = gateway.openAi().chat().completions().create(chat("from the SDK"));
            assertThat(completion.choices().get(0).message().content()).hasValue("You said: from the SDK");

            try (StreamResponse<ChatCompletionChunk> stream =
                         gateway.openAi().chat().completions().createStreaming(chat("one two three"))) {
                String text = stream.stream().flatMap(chunk -> chunk.choices().stream())
                        .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
                assertThat(text).isEqualTo("You said: one two three");
            }
        }
    }

    @Test
    void the_upstream_simulator_behind_the_bundled_openai_provider_sees_what_the_policy_let_through() {
        try (OpenAiSimulator simulator = OpenAiSimulator.start();
             RunningGateway gateway = RunningGateway.builder().upstream(simulator).start()) {
            simulator.script(OpenAiSimulator.Script.reply("from upstream"));

            ChatCompletion completion = gateway.openAi().chat().completions().create(chat("hi upstream"));

            assertThat(completion.choices().get(0).message().content()).hasValue("from upstream");
            assertThat(simulator.lastRequest().rawBody()).contains("hi upstream").contains("gpt-4o-mini");
            assertThat(simulator.lastRequest().header("authorization")).isEqualTo("Bearer test");
        }
    }

    @Test
    void a_classes_directory_is_packaged_as_a_plugin_with_its_extension_index() throws Exception {
        Path classes = work.resolve("stamp-classes");
        PluginJars.plugin("unused", "1").extension(StampPolicyFactory.class).writeTo(work.resolve("unpacked.jar"));
        unzip(work.resolve("unpacked.jar"), classes);

        try (RunningGateway gateway = RunningGateway.builder().plugin(classes).mockProvider().config(STAMP_ROUTE)
                .start()) {
            HttpResponse<String> response = gateway.http().post("/v1/chat/completions",
                    GatewayHttp.chat(RunningGateway.MODEL, "hi"));
            assertThat(response.headers().firstValue("x-stamp")).hasValue("stamped");
            assertThat(GatewayHttp.json(gateway.http().get("/health/ready")).path("plugins").toString())
                    .contains("stamp-classes");
        }
    }

    @Test
    void a_classes_directory_without_an_extension_index_is_refused_with_the_reason() throws Exception {
        Path classes = Files.createDirectories(work.resolve("no-index/io"));

        assertThatThrownBy(() -> RunningGateway.builder().plugin(classes.getParent()).start())
                .hasMessageContaining("META-INF/extensions.idx")
                .hasMessageContaining("annotationProcessorPaths");
    }

    @Test
    void an_invalid_configuration_fails_the_start_with_the_gateways_own_message() {
        assertThatThrownBy(() -> RunningGateway.builder().mockProvider()
                .config("routes: [ { path: /v1/chat/completions, policies: [ stamp ] } ]\nservr: {}").start())
                .hasMessageContaining("servr: unknown section");
    }

    private static ChatCompletionCreateParams chat(String text) {
        return ChatCompletionCreateParams.builder().model(RunningGateway.MODEL).addUserMessage(text).build();
    }

    private static void unzip(Path jar, Path target) throws Exception {
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
            for (var entry : java.util.Collections.list(file.entries())) {
                Path out = target.resolve(entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                Files.createDirectories(out.getParent());
                try (var in = file.getInputStream(entry)) {
                    Files.copy(in, out);
                }
            }
        }
    }
}
