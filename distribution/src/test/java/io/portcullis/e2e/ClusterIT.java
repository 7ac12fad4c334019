package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Message;
import io.portcullis.runtime.services.JtokkitTokenizer;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three gateway nodes in this JVM, each its own Hazelcast member on loopback, with auth and rate-limit from the built
 * plugin JARs: budgets are the cluster's, not each node's; a key made on one node's admin API works on another at once
 * and a revoked one stops everywhere within a second; after a node's member dies abruptly, the survivors still hold
 * the limits and the keys. The tests run in order: the last one kills a node.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final String ADMIN_TOKEN = "cluster-it-admin-token";
    /** Requests a minute of the limited key: one refills every 6 s, longer than a burst takes. */
    static final int RPM = 10;
    /** The token key's budget holds this many of the fixed request below. */
    static final int TOKEN_REQUESTS = 6;
    static final String TOKEN_TEXT = "Count these tokens across the whole cluster";

    private List<RunningGateway> nodes;
    private ClusterClient client;
    private long tokensPerRequest;

    @BeforeAll
    void start(@TempDir Path plugins) {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.AUTH, BuiltPlugins.RATE_LIMIT);
        tokensPerRequest = tokensOf(TOKEN_TEXT);
        nodes = RunningGateway.startCluster(3, """
                admin: { token: "%s" }
                providers: [ { id: mock, type: mock, chunks: 2 } ]
                models: [ { name: mock, targets: [ { provider: mock } ] } ]
                routes:
                  - { path: /v1/chat/completions, policies: [ auth, rate-limit ] }
                policies:
                  auth:
                    keys:
                      - { id: rpm-key, key: sk-rpm, requestsPerMinute: %d }
                      - { id: tpm-key, key: sk-tpm, tokensPerMinute: %d }
                      - { id: survivor, key: sk-survivor, requestsPerMinute: %d }
                  rate-limit: { requestsPerMinute: 100000, tokensPerMinute: 100000000 }
                """.formatted(ADMIN_TOKEN, RPM, tokensPerRequest * TOKEN_REQUESTS, RPM), plugins, Map.of());
        client = new ClusterClient(nodes.stream().map(node -> node.uri("/")).toList(),
                nodes.stream().map(node -> node.adminUri("/")).toList(), ADMIN_TOKEN);
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        if (nodes != null) {
            RunningGateway.closeAll(nodes);
        }
    }

    /**
     * @return what the rate-limit policy estimates for {@link ClusterClient#chat} of {@code text} with
     *         {@code max_tokens} set to the mock's answer's length, which is also what the mock reports as used:
     *         estimate and usage agree, so no reconciliation blurs the count
     */
    static long tokensOf(String text) {
        JtokkitTokenizer tokenizer = new JtokkitTokenizer();
        int completion = tokenizer.count("mock", "You said: " + text);
        return tokenizer.countPrompt(ChatRequest.of("mock", List.of(Message.of(Message.USER, text)))) + completion;
    }

    static int completionTokensOf(String text) {
        return new JtokkitTokenizer().count("mock", "You said: " + text);
    }

    @Test
    @Order(1)
    void n_requests_per_minute_hit_round_robin_by_many_clients_are_admitted_n_times_in_total_not_n_per_node() {
        long started = System.nanoTime();
        List<Integer> statuses = client.burst(60, 12, "sk-rpm", "Hello", null);
        long refills = Duration.ofNanos(System.nanoTime() - started).toMillis() * RPM / 60_000;

        assertThat(statuses).containsOnly(200, 429);
        assertThat(statuses).filteredOn(s -> s == 200).hasSizeBetween(RPM, (int) (RPM + refills));
    }

    @Test
    @Order(2)
    void tokens_per_minute_are_a_cluster_wide_budget_too() {
        long started = System.nanoTime();
        List<Integer> statuses = client.burst(30, 10, "sk-tpm", TOKEN_TEXT, completionTokensOf(TOKEN_TEXT));
        long refills = Duration.ofNanos(System.nanoTime() - started).toMillis() * TOKEN_REQUESTS / 60_000;

        assertThat(statuses).containsOnly(200, 429);
        assertThat(statuses).filteredOn(s -> s == 200).hasSizeBetween(TOKEN_REQUESTS,
                (int) (TOKEN_REQUESTS + refills));
    }

    @Test
    @Order(3)
    void a_key_made_through_node_a_admin_api_works_on_node_c_at_once_and_a_revoked_one_stops_everywhere_within_a_second() {
        ClusterClient.CreatedKey key = client.createKey(0, "made-on-a");

        assertThat(client.chat(2, key.secret(), "first use, on node C", null).statusCode()).isEqualTo(200);
        assertThat(client.chat(1, key.secret(), "and on node B", null).statusCode()).isEqualTo(200);

        client.revokeKey(1, key.id());
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            for (int node = 0; node < 3; node++) {
                JsonNode error = Http.assertOpenAiErrorBody(client.chat(node, key.secret(), "still?", null), 401);
                assertThat(error.path("type").asText()).isEqualTo("authentication_error");
            }
        });
    }

    @Test
    @Order(4)
    void after_a_nodes_member_dies_abruptly_the_survivors_still_hold_the_limits_and_the_keys() {
        ClusterClient.CreatedKey key = client.createKey(0, "outlives-a");
        List<Integer> spent = client.burst(3 * RPM, 6, "sk-survivor", "spend it", null);
        assertThat(spent).filteredOn(s -> s == 200).hasSizeBetween(RPM, RPM + 1);

        nodes.get(0).killClusterMember();
        ClusterClient survivors = client.only(1, 2);

        // The spent bucket lived on the dead member or was backed up by it: the survivors still know it is spent.
        assertThat(survivors.burst(2 * RPM, 4, "sk-survivor", "again", null)).filteredOn(s -> s == 200)
                .hasSizeLessThanOrEqualTo(1);
        // The key made through the dead node's admin API still opens requests on both survivors.
        assertThat(survivors.chat(0, key.secret(), "after the death", null).statusCode()).isEqualTo(200);
        assertThat(survivors.chat(1, key.secret(), "after the death", null).statusCode()).isEqualTo(200);
    }
}
