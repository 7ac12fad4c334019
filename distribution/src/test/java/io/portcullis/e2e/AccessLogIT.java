package io.portcullis.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One JSON access-log line per data-plane request: what happened, never what was said or who holds which key. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AccessLogIT {

    private static final String SECRET_KEY = "sk-live-0123456789abcdefSECRET";
    private static final String PROMPT = "my confidential prompt about project nightingale";

    @TempDir
    Path plugins;

    private final Logger accessLogger = (Logger) LoggerFactory.getLogger("portcullis.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void captureTheAccessLog() {
        lines.start();
        accessLogger.addAppender(lines);
    }

    @AfterEach
    void releaseTheAccessLog() {
        accessLogger.detachAppender(lines);
        lines.stop();
    }

    @Test
    void each_request_gets_one_line_with_its_outcome_and_without_its_content_or_credentials() throws Exception {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK);
        try (RunningGateway gateway = RunningGateway.start("""
                providers: [ { id: mock, type: mock } ]
                models: [ { name: mock, targets: [ { provider: mock } ] } ]
                """, plugins); Http http = new Http(gateway)) {
            HttpResponse<String> answered = http.send(http.request("/v1/chat/completions")
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + SECRET_KEY)
                    .header("x-request-id", "trace-ok-1")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("mock", PROMPT, false))).build());
            HttpResponse<String> refused = http.send(http.request("/v1/chat/completions")
                    .header("Content-Type", "application/json")
                    .header("x-request-id", "trace-404-1")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.chat("no-such-model", PROMPT, false))).build());
            assertThat(answered.statusCode()).isEqualTo(200);
            assertThat(refused.statusCode()).isEqualTo(404);

            await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.size() >= 2);
            List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(logged).hasSize(2);
            assertThat(logged).allSatisfy(line -> assertThat(line)
                    .doesNotContain(SECRET_KEY).doesNotContain("nightingale").doesNotContain("Bearer"));

            JsonNode ok = Http.JSON.readTree(logged.stream().filter(l -> l.contains("trace-ok-1")).findFirst()
                    .orElseThrow());
            assertThat(ok.path("status").asInt()).isEqualTo(200);
            assertThat(ok.path("method").asText()).isEqualTo("POST");
            assertThat(ok.path("path").asText()).isEqualTo("/v1/chat/completions");
            assertThat(ok.path("model").asText()).isEqualTo("mock");
            assertThat(ok.path("provider").asText()).isEqualTo("mock");
            assertThat(ok.path("prompt_tokens").asInt()).isPositive();
            assertThat(ok.path("duration_ms").asDouble()).isPositive();

            JsonNode notFound = Http.JSON.readTree(logged.stream().filter(l -> l.contains("trace-404-1"))
                    .findFirst().orElseThrow());
            assertThat(notFound.path("status").asInt()).isEqualTo(404);
            assertThat(notFound.path("error").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void an_anthropic_messages_request_gets_its_line_too_without_its_x_api_key() throws Exception {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK);
        try (RunningGateway gateway = RunningGateway.start("""
                providers: [ { id: mock, type: mock } ]
                models: [ { name: mock, targets: [ { provider: mock } ] } ]
                """, plugins); Http http = new Http(gateway)) {
            HttpResponse<String> answered = http.send(http.request(AnthropicIngressIT.MESSAGES)
                    .header("Content-Type", "application/json")
                    .header("x-api-key", SECRET_KEY)
                    .header("x-request-id", "trace-messages-1")
                    .POST(HttpRequest.BodyPublishers.ofString(AnthropicIngressIT.messages("mock", PROMPT, true)))
                    .build());
            assertThat(answered.statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(10)).until(() -> !lines.list.isEmpty());
            List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(logged).singleElement().satisfies(line -> assertThat(line)
                    .doesNotContain(SECRET_KEY).doesNotContain("nightingale"));
            JsonNode line = Http.JSON.readTree(logged.getFirst());
            assertThat(line.path("request_id").asText()).isEqualTo("trace-messages-1");
            assertThat(line.path("path").asText()).isEqualTo("/v1/messages");
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("model").asText()).isEqualTo("mock");
            assertThat(line.path("stream").asBoolean()).isTrue();
            assertThat(line.path("provider").asText()).isEqualTo("mock");
            assertThat(line.path("completion_tokens").asInt()).isPositive();
        }
    }
}
