package io.portcullis.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three gateway nodes started by the kit form one cluster, and a plugin's policy gets the cluster services injected:
 * a budget of N requests, spent by concurrent clients spread over the nodes, admits exactly N in total; it still
 * holds after a node's cluster member dies abruptly.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RunningGatewayClusterTest {

    private static final String BUCKET = "budget-" + UUID.randomUUID();
    private static final String ADMIN_TOKEN = "admin-" + UUID.randomUUID();

    @TempDir
    static Path plugins;

    private static List<RunningGateway> nodes;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startThreeNodes() {
        PluginJars.plugin("budget-policy", "1.0.0").extension(BudgetPolicyFactory.class)
                .writeTo(plugins.resolve("budget-policy.jar"));
        // 20 an hour: nothing refills while the test runs.
        nodes = RunningGateway.startCluster(3, """
                admin: { token: "%s" }
                routes: [ { path: /v1/chat/completions, policies: [ budget ] } ]
                policies:
                  budget: { bucket: "%s", capacity: 20, periodSeconds: 3600 }
                """.formatted(ADMIN_TOKEN, BUCKET), plugins, Map.of());
    }

    @AfterAll
    static void stop() {
        RunningGateway.closeAll(nodes);
    }

    @Test
    void the_nodes_form_one_cluster_with_ports_and_a_name_of_their_own() {
        assertThat(nodes).extracting(RunningGateway::clusterName).containsOnly(nodes.get(0).clusterName());
        assertThat(nodes.get(0).clusterName()).startsWith("portcullis-test-");
        assertThat(nodes).extracting(RunningGateway::clusterAddress).doesNotHaveDuplicates();
        assertThat(nodes.get(2).gateway().cluster().members()).hasSize(3);
        assertThat(nodes.get(1).gateway().status().isReady()).isTrue();
    }

    @Test
    void a_budget_spent_round_robin_by_concurrent_clients_admits_exactly_n_then_survives_a_node_s_death()
            throws Exception {
        List<Integer> statuses = sendConcurrently(nodes, 60);
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(20);
        assertThat(statuses).filteredOn(s -> s == 429).hasSize(40);

        RunningGateway dead = nodes.get(0);
        dead.killClusterMember();
        assertThat(dead.gateway().status().isReady()).isFalse();
        HttpResponse<String> notReady = http.send(HttpRequest.newBuilder(dead.uri("/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("the cluster member is not running");
        HttpResponse<String> noCluster = http.send(HttpRequest.newBuilder(dead.adminUri("/admin/cluster"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noCluster.statusCode()).isEqualTo(503);
        assertThat(noCluster.body()).contains("\"code\":\"cluster_unavailable\"");
        List<RunningGateway> survivors = nodes.subList(1, 3);
        // The bucket was on the dead member or backed up by it: the survivors still know it is empty.
        assertThat(sendConcurrently(survivors, 20)).containsOnly(429);
        HttpResponse<String> refused = post(survivors.get(1));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("\"type\":\"rate_limit_error\"");
    }

    private List<Integer> sendConcurrently(List<RunningGateway> targets, int requests) throws Exception {
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            RunningGateway target = targets.get(i % targets.size());
            calls.add(() -> post(target).statusCode());
        }
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(12)) {
            for (Future<Integer> call : clients.invokeAll(calls)) {
                statuses.add(call.get());
            }
        }
        return statuses;
    }

    private HttpResponse<String> post(RunningGateway node) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"budget\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
