package io.portcullis.e2e;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.ApiVersion;
import io.portcullis.runtime.plugins.PluginHost;
import io.portcullis.testkit.PluginJars;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken plugin JARs next to a good one: each is logged and reported with its file name, and the gateway starts and
 * serves with the rest.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BrokenPluginsIT {

    private static final String CONFIG = """
            providers: [ { id: mock, type: mock } ]
            models: [ { name: mock, targets: [ { provider: mock } ] } ]
            """;

    @TempDir
    Path plugins;

    private final Logger hostLogger = (Logger) LoggerFactory.getLogger(PluginHost.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureTheLog() {
        log.start();
        hostLogger.addAppender(log);
    }

    @AfterEach
    void releaseTheLog() {
        hostLogger.detachAppender(log);
        log.stop();
    }

    @Test
    void a_corrupt_jar_and_a_plugin_that_fails_to_start_are_reported_and_the_gateway_serves_with_the_rest() {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK);
        PluginJars.corrupt(plugins.resolve("half-downloaded.jar"));
        PluginJars.plugin("exploding", "1.0.0").pluginClass(ExplodingPlugin.class)
                .writeTo(plugins.resolve("exploding-plugin.jar"));

        try (RunningGateway gateway = RunningGateway.start(CONFIG, plugins); Http http = new Http(gateway)) {
            assertThat(Http.replyText(http.post("/v1/chat/completions", Http.chat("mock", "still here?", false))))
                    .isEqualTo("You said: still here?");

            HttpResponse<String> ready = http.get("/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            JsonNode health = Http.json(ready);
            assertThat(texts(health.path("problems")))
                    .anySatisfy(problem -> assertThat(problem).contains("half-downloaded.jar"))
                    .anySatisfy(problem -> assertThat(problem).contains("exploding-plugin.jar")
                            .contains(ExplodingPlugin.MESSAGE));
            assertThat(plugin(health, "half-downloaded.jar").path("state").asText()).isEqualTo("UNLOADABLE");
            assertThat(plugin(health, "exploding-plugin.jar").path("state").asText()).isEqualTo("FAILED");
            assertThat(plugin(health, "exploding-plugin.jar").path("problem").asText())
                    .contains(ExplodingPlugin.MESSAGE);
            JsonNode mock = plugin(health, BuiltPlugins.fileName(BuiltPlugins.MOCK));
            assertThat(mock.path("state").asText()).isEqualTo("STARTED");
            assertThat(texts(mock.path("providers"))).containsExactly("mock");
        }

        List<String> errors = log.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.ERROR))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(errors)
                .anySatisfy(line -> assertThat(line).contains("half-downloaded.jar"))
                .anySatisfy(line -> assertThat(line).contains("exploding-plugin.jar"));
    }

    @Test
    void a_plugin_built_for_another_api_major_is_listed_as_incompatible_with_both_versions() {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK);
        PluginJars.plugin("from-the-future", "1.0.0").requires(">=2.0.0").extension(MarkerPolicyFactory.class)
                .writeTo(plugins.resolve("from-the-future.jar"));

        try (RunningGateway gateway = RunningGateway.start(CONFIG, plugins); Http http = new Http(gateway)) {
            HttpResponse<String> ready = http.get("/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            JsonNode health = Http.json(ready);
            JsonNode future = plugin(health, "from-the-future.jar");
            assertThat(future.path("state").asText()).isEqualTo("DISABLED");
            assertThat(future.path("problem").asText()).contains(">=2.0.0").contains(ApiVersion.current());
            assertThat(texts(health.path("problems"))).anySatisfy(problem -> assertThat(problem)
                    .contains("from-the-future.jar").contains(">=2.0.0").contains(ApiVersion.current()));
            assertThat(future.path("policies")).isEmpty();

            assertThat(Http.replyText(http.post("/v1/chat/completions", Http.chat("mock", "hi", false))))
                    .isEqualTo("You said: hi");
        }
        assertThat(log.list).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("from-the-future.jar").contains(">=2.0.0"));
    }

    private static JsonNode plugin(JsonNode health, String file) {
        for (JsonNode plugin : health.path("plugins")) {
            if (plugin.path("file").asText().equals(file)) {
                return plugin;
            }
        }
        throw new AssertionError("no plugin with file " + file + " in " + health);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
