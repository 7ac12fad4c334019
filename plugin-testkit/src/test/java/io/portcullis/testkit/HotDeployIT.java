package io.portcullis.testkit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.runtime.plugins.PluginHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Plugin JARs added, replaced and removed in a running gateway's folder, while streams run: none fails, requests
 * started after a swap see the new policy, and requests in flight finish on the pipeline they started on.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HotDeployIT {

    private static final String CHAT = "/v1/chat/completions";
    private static final Duration SWAP = Duration.ofSeconds(20);

    @TempDir
    Path work;

    private final Logger hostLogger = (Logger) LoggerFactory.getLogger(PluginHost.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    private ch.qos.logback.classic.Level level;

    @BeforeEach
    void captureTheLog() {
        log.start();
        level = hostLogger.getLevel();
        hostLogger.setLevel(ch.qos.logback.classic.Level.INFO);
        hostLogger.addAppender(log);
    }

    @AfterEach
    void releaseTheLog() {
        hostLogger.detachAppender(log);
        hostLogger.setLevel(level);
        log.stop();
    }

    /** One streamed request of the load: when it started, and what came back. */
    private record Outcome(long startedNanos, int status, String build, boolean done, String body) {
    }

    @Test
    void jars_added_replaced_and_removed_under_streaming_load_fail_no_request_and_apply_to_later_ones()
            throws Exception {
        Path v1 = stampJar("1.0.0", "v1");
        Path v2 = stampJar("2.0.0", "v2");
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);

        try (OpenAiSimulator simulator = OpenAiSimulator.start();
             RunningGateway gateway = RunningGateway.builder().upstream(simulator).config("""
                     plugins: { settleMs: 200 }
                     routes: [ { path: /v1/chat/completions, policies: [ stamp ] } ]
                     policies: { stamp: { header: x-stamp, value: stamped, optional: true } }
                     """).start();
             ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
            simulator.script(OpenAiSimulator.Script.reply("one two three four five six").inChunks(6)
                    .withDelay(Duration.ofMillis(5)));
            List<CompletableFuture<Void>> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                clients.add(CompletableFuture.runAsync(() -> {
                    while (running.get()) {
                        outcomes.add(stream(gateway));
                    }
                }, load));
            }
            awaitOutcomes(outcomes, 0, 10);

            Files.copy(v1, gateway.pluginsDir().resolve("stamp.jar"));
            long added = awaitSwap(gateway, plugins -> stampOf(plugins) != null
                    && stampOf(plugins).path("version").asText().equals("1.0.0")
                    && !stampOf(plugins).path("routes").isEmpty());
            awaitOutcomes(outcomes, added, 10);

            long replacing = System.nanoTime();
            Files.copy(v2, gateway.pluginsDir().resolve("stamp.jar"), StandardCopyOption.REPLACE_EXISTING);
            long replaced = awaitSwap(gateway, plugins -> stampOf(plugins) != null
                    && stampOf(plugins).path("version").asText().equals("2.0.0")
                    && !stampOf(plugins).path("routes").isEmpty());
            awaitOutcomes(outcomes, replaced, 10);

            long removing = System.nanoTime();
            Files.delete(gateway.pluginsDir().resolve("stamp.jar"));
            long removed = awaitSwap(gateway, plugins -> stampOf(plugins) == null);
            await().atMost(SWAP).until(() -> admin(gateway, "/admin/routes").toString().contains("\"policies\":[]"));
            long unstamped = System.nanoTime();
            awaitOutcomes(outcomes, unstamped, 10);

            running.set(false);
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();

            assertThat(outcomes).allSatisfy(outcome -> {
                assertThat(outcome.status()).as(outcome.body()).isEqualTo(200);
                assertThat(outcome.done()).as("ended with [DONE]: " + outcome.body()).isTrue();
            });
            assertThat(startedBetween(outcomes, added, replacing)).isNotEmpty()
                    .allSatisfy(outcome -> assertThat(outcome.build()).isEqualTo("v1"));
            assertThat(startedBetween(outcomes, replaced, removing)).isNotEmpty()
                    .allSatisfy(outcome -> assertThat(outcome.build()).isEqualTo("v2"));
            assertThat(startedBetween(outcomes, unstamped, Long.MAX_VALUE)).isNotEmpty()
                    .allSatisfy(outcome -> assertThat(outcome.build()).isNull());
            assertThat(removed).isLessThanOrEqualTo(unstamped);
        }
    }

    @Test
    void a_stream_in_flight_when_its_policy_is_removed_finishes_on_the_old_pipeline_and_new_requests_get_503()
            throws Exception {
        OpenAiSimulator.Gate gate = new OpenAiSimulator.Gate();
        try (OpenAiSimulator simulator = OpenAiSimulator.start();
             RunningGateway gateway = RunningGateway.builder().plugin(stampJar("1.0.0", "v1")).upstream(simulator)
                     .config("""
                             plugins: { settleMs: 200 }
                             routes: [ { path: /v1/chat/completions, policies: [ stamp ] } ]
                             policies: { stamp: { header: x-stamp, value: stamped } }
                             """).start()) {
            simulator.script(OpenAiSimulator.Script.reply("still on the old pipeline").inChunks(3)).gateStreams(gate);
            CompletableFuture<Outcome> inFlight = CompletableFuture.supplyAsync(() -> stream(gateway));
            await().atMost(SWAP).until(() -> gate.waiting() == 1);

            Files.delete(gateway.pluginsDir().resolve("stamp-1.0.0.jar"));
            await().atMost(SWAP).until(() -> gateway.http().post(CHAT,
                    GatewayHttp.chat(RunningGateway.MODEL, "after")).statusCode() == 503);
            HttpResponse<String> refused = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "x"));
            assertThat(GatewayHttp.json(refused).path("error").path("message").asText())
                    .contains("route /v1/chat/completions is unavailable").contains("policy 'stamp'");
            assertThat(unloaded()).as("the old plugin waits for its request").isFalse();

            gate.open();
            Outcome outcome = inFlight.get();

            assertThat(outcome.status()).isEqualTo(200);
            assertThat(outcome.done()).isTrue();
            assertThat(outcome.body()).contains("still").contains("pipeline");
            assertThat(outcome.build()).isEqualTo("v1");
            await().atMost(SWAP).until(this::unloaded);
        }
    }

    @Test
    void the_admin_api_lists_plugins_with_their_routes_and_reloads_on_demand() throws Exception {
        try (RunningGateway gateway = RunningGateway.builder().mockProvider().config("""
                plugins: { watch: false }
                routes: [ { path: /v1/chat/completions, policies: [ stamp ] } ]
                policies: { stamp: { header: x-stamp, value: stamped } }
                """).start()) {
            assertThat(gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi")).statusCode())
                    .isEqualTo(503);
            Files.copy(stampJar("1.0.0", "v1"), gateway.pluginsDir().resolve("stamp.jar"));
            assertThat(stampOf(admin(gateway, "/admin/plugins"))).as("no watcher: not yet loaded").isNull();

            HttpResponse<String> reload = gateway.admin().send(gateway.admin().request("/admin/plugins/reload")
                    .POST(HttpRequest.BodyPublishers.noBody()).build());

            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
            assertThat(GatewayHttp.json(reload).path("started").toString()).contains("stamp.jar");
            JsonNode stamp = stampOf(admin(gateway, "/admin/plugins"));
            assertThat(stamp.path("id").asText()).isEqualTo("stamp");
            assertThat(stamp.path("version").asText()).isEqualTo("1.0.0");
            assertThat(stamp.path("state").asText()).isEqualTo("STARTED");
            assertThat(stamp.path("policies").toString()).isEqualTo("[\"stamp\"]");
            assertThat(stamp.path("routes").toString()).isEqualTo("[\"/v1/chat/completions\"]");
            HttpResponse<String> served = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));
            assertThat(served.headers().firstValue("x-stamp")).hasValue("stamped");
            assertThat(GatewayHttp.json(gateway.http().get("/health/ready")).path("problems")).isEmpty();
        }
    }

    @Test
    void a_deployed_plugin_that_rejects_its_configuration_leaves_the_previous_routes_serving_and_says_why()
            throws Exception {
        try (RunningGateway gateway = RunningGateway.builder().mockProvider().config("""
                plugins: { watch: false }
                routes: [ { path: /v1/chat/completions, policies: [ stamp ] }, { path: /v1/embeddings, policies: [] } ]
                policies: { stamp: { header: x-stamp } }
                """).start()) {
            Files.copy(stampJar("1.0.0", "v1"), gateway.pluginsDir().resolve("stamp.jar"));

            HttpResponse<String> reload = gateway.admin().send(gateway.admin().request("/admin/plugins/reload")
                    .POST(HttpRequest.BodyPublishers.noBody()).build());

            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
            assertThat(GatewayHttp.json(reload).path("problem").asText())
                    .contains("policies.stamp: header and value: both are required");
            assertThat(GatewayHttp.json(gateway.http().get("/health/ready")).path("problems").toString())
                    .contains("the routes cannot be rebuilt").contains("header and value: both are required");
            assertThat(gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi")).statusCode())
                    .as("the previous routes").isEqualTo(503);
            assertThat(gateway.http().post("/v1/embeddings", "{\"model\":\"test-model\",\"input\":\"x\"}")
                    .statusCode()).isEqualTo(200);
        }
    }

    private Path stampJar(String version, String build) {
        return PluginJars.plugin("stamp", version).extension(StampPolicyFactory.class)
                .entry(StampPolicyFactory.BUILD_RESOURCE, build.getBytes(StandardCharsets.UTF_8))
                .writeTo(work.resolve("stamp-" + version + ".jar"));
    }

    /** @return whether the gated test's plugin (its own file name: no other test's late drain can match) is gone */
    private boolean unloaded() {
        List<ILoggingEvent> events;
        synchronized (log) { // the drain thread appends while we read: AppenderBase appends under this lock
            events = List.copyOf(log.list);
        }
        return events.stream().anyMatch(event -> event.getFormattedMessage()
                .contains("(stamp-1.0.0.jar) stopped and unloaded"));
    }

    private static Outcome stream(RunningGateway gateway) {
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = gateway.http().post(CHAT,
                    GatewayHttp.chat(RunningGateway.MODEL, "hello", true));
            return new Outcome(started, response.statusCode(),
                    response.headers().firstValue("x-stamp-build").orElse(null),
                    response.body().contains("data: [DONE]"), response.body());
        } catch (RuntimeException e) {
            return new Outcome(started, -1, null, false, e.toString());
        }
    }

    /** Waits until the admin API shows a state that only the new routes have; @return when it was seen. */
    private static long awaitSwap(RunningGateway gateway, Predicate<JsonNode> swapped) {
        await().atMost(SWAP).until(() -> swapped.test(admin(gateway, "/admin/plugins")));
        return System.nanoTime();
    }

    private static void awaitOutcomes(Queue<Outcome> outcomes, long startedAfter, int count) {
        await().atMost(SWAP).until(() -> startedBetween(outcomes, startedAfter, Long.MAX_VALUE).size() >= count);
    }

    private static List<Outcome> startedBetween(Queue<Outcome> outcomes, long from, long to) {
        return outcomes.stream().filter(o -> o.startedNanos() > from && o.startedNanos() < to).toList();
    }

    private static JsonNode admin(RunningGateway gateway, String path) {
        return GatewayHttp.json(gateway.admin().get(path));
    }

    private static JsonNode stampOf(JsonNode plugins) {
        for (JsonNode plugin : plugins.path("plugins")) {
            if ("stamp".equals(plugin.path("id").asText())) {
                return plugin;
            }
        }
        return null;
    }
}
