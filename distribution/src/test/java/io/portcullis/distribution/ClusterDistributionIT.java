package io.portcullis.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes, each a separate {@code bin/portcullis} process of the built distribution, configured only through the
 * environment variables {@code conf/gateway.yaml} reads: they form one cluster, a key created through one node's admin
 * API is listed by the others, and when a node is killed (SIGKILL) the survivors keep the key, drop the dead member
 * and still revoke for everyone.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClusterDistributionIT {

    private static final Path DIRECTORY = Path.of(System.getProperty("portcullis.dist.dir"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final String TOKEN = "admin-" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<GatewayProcess> nodes = new ArrayList<>();
    private final List<URI> admins = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        nodes.forEach(GatewayProcess::close);
    }

    @Test
    void three_processes_share_keys_and_a_killed_node_loses_nothing() throws Exception {
        startThreeNodes();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            for (URI admin : admins) {
                assertThat(members(admin)).hasSize(3);
            }
        });

        HttpResponse<String> created = admin("POST", 0, "/admin/keys", "{\"name\": \"from-node-a\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();
        assertThat(keyIds(2)).contains(id);

        nodes.get(0).kill();
        for (int survivor : List.of(1, 2)) {
            assertThat(keyIds(survivor)).as("node %d after the kill", survivor).contains(id);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(members(admins.get(1))).hasSize(2);
            assertThat(members(admins.get(2))).hasSize(2);
        });

        assertThat(admin("DELETE", 1, "/admin/keys/" + id, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(keyIds(2)).doesNotContain(id));
    }

    private void startThreeNodes() throws Exception {
        List<Integer> clusterPorts = List.of(freePort(), freePort(), freePort());
        String members = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String clusterName = "portcullis-it-" + UUID.randomUUID();
        for (int port : clusterPorts) {
            int adminPort = freePort();
            ProcessBuilder launcher = new ProcessBuilder(DIRECTORY.resolve("bin/portcullis").toString())
                    .directory(DIRECTORY.toFile());
            Map<String, String> env = launcher.environment();
            List.of("JAVA_OPTS", "PORTCULLIS_CONF", "PORTCULLIS_BIND", "OPENAI_API_KEY", "OPENAI_BASE_URL")
                    .forEach(env::remove);
            env.put("PORTCULLIS_PORT", "0");
            env.put("PORTCULLIS_ADMIN_PORT", String.valueOf(adminPort));
            env.put("PORTCULLIS_ADMIN_TOKEN", TOKEN);
            env.put("PORTCULLIS_CLUSTER_NAME", clusterName);
            env.put("PORTCULLIS_CLUSTER_PORT", String.valueOf(port));
            env.put("PORTCULLIS_CLUSTER_MEMBERS", members);
            nodes.add(new GatewayProcess(launcher));
            admins.add(URI.create("http://127.0.0.1:" + adminPort));
        }
        for (GatewayProcess node : nodes) {
            node.awaitReady(START_TIMEOUT);
        }
    }

    private List<String> members(URI admin) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(admin.resolve("/admin/cluster"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).get("members").findValuesAsText("address");
    }

    private List<String> keyIds(int node) throws Exception {
        HttpResponse<String> answer = admin("GET", node, "/admin/keys", null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode data = JSON.readTree(answer.body()).get("data");
        return data.findValuesAsText("id");
    }

    private HttpResponse<String> admin(String method, int node, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(admins.get(node).resolve(path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A port that was free a moment ago: the members list must name every node's port before any starts. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
