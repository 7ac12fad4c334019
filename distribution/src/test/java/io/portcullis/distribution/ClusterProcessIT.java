package io.portcullis.distribution;

import io.portcullis.e2e.ClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
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
 * Three nodes as an operator runs them: three {@code bin/portcullis} processes of the built distribution with the
 * shipped {@code conf/gateway.yaml}, configured through its environment variables only, forming one cluster on
 * loopback. Keys come from the admin API; one node is then killed with SIGKILL, and the survivors still hold the
 * limits and the keys.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterProcessIT {

    private static final Path DIRECTORY = Path.of(System.getProperty("portcullis.dist.dir"));
    /** Normally a few seconds; generous for a two-core machine shared with other builds. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final String ADMIN_TOKEN = "cluster-process-it-token";
    private static final int RPM = 10;

    private final List<GatewayProcess> nodes = new ArrayList<>();
    private ClusterClient client;

    @BeforeAll
    void start_three_processes(@TempDir Path dir) throws Exception {
        List<Integer> clusterPorts = List.of(freePort(), freePort(), freePort());
        String members = clusterPorts.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
        String clusterName = "cluster-process-it-" + UUID.randomUUID();
        List<URI> admins = new ArrayList<>();
        for (int port : clusterPorts) {
            int adminPort = freePort();
            admins.add(URI.create("http://127.0.0.1:" + adminPort));
            ProcessBuilder launcher = new ProcessBuilder(DIRECTORY.resolve("bin/portcullis").toString())
                    .directory(dir.toFile());
            Map<String, String> env = launcher.environment();
            List.of("PORTCULLIS_CONF", "PORTCULLIS_BIND", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                    "PORTCULLIS_DEMO_KEY").forEach(env::remove);
            env.put("JAVA_HOME", System.getProperty("java.home"));
            // Three JVMs start at once on two cores: C1 alone starts them sooner, and the test needs no peak speed.
            env.put("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xmx256m");
            env.put("PORTCULLIS_PORT", "0");
            env.put("PORTCULLIS_ADMIN_PORT", Integer.toString(adminPort));
            env.put("PORTCULLIS_ADMIN_TOKEN", ADMIN_TOKEN);
            env.put("PORTCULLIS_CLUSTER_NAME", clusterName);
            env.put("PORTCULLIS_CLUSTER_PORT", Integer.toString(port));
            env.put("PORTCULLIS_CLUSTER_MEMBERS", members);
            nodes.add(new GatewayProcess(launcher));
        }
        List<URI> clients = new ArrayList<>();
        for (GatewayProcess node : nodes) {
            clients.add(node.awaitReady(START_TIMEOUT));
        }
        client = new ClusterClient(clients, admins, ADMIN_TOKEN);
        // Ready means the member is up; the three have found one another when each lists three members.
        await().atMost(START_TIMEOUT).untilAsserted(() -> {
            for (int node = 0; node < 3; node++) {
                assertThat(client.clusterSize(node)).isEqualTo(3);
            }
        });
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        nodes.forEach(GatewayProcess::close);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void limits_and_keys_are_the_clusters_and_survive_a_node_killed_with_sigkill() throws Exception {
        // A key made on node A opens requests on node C at once.
        ClusterClient.CreatedKey everywhere = client.createKey(0, "everywhere", null, null);
        assertThat(client.chat(2, everywhere.secret(), "Hello from C", null).statusCode()).isEqualTo(200);

        // RPM requests a minute for a key, spent round-robin over three processes by many clients: RPM in total.
        ClusterClient.CreatedKey limited = client.createKey(1, "limited", RPM, null);
        long started = System.nanoTime();
        List<Integer> statuses = client.burst(4 * RPM, 12, limited.secret(), "spend", null);
        long refills = Duration.ofNanos(System.nanoTime() - started).toMillis() * RPM / 60_000;
        assertThat(statuses).containsOnly(200, 429);
        assertThat(statuses).filteredOn(s -> s == 200).hasSizeBetween(RPM, (int) (RPM + refills));

        // A revoked key stops on every node within a second.
        ClusterClient.CreatedKey revoked = client.createKey(2, "revoked", null, null);
        assertThat(client.chat(0, revoked.secret(), "before", null).statusCode()).isEqualTo(200);
        client.revokeKey(1, revoked.id());
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            for (int node = 0; node < 3; node++) {
                assertThat(client.chat(node, revoked.secret(), "after", null).statusCode()).isEqualTo(401);
            }
        });

        // Node A dies without a word.
        nodes.get(0).kill();
        ClusterClient survivors = client.only(1, 2);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(survivors.chat(1, everywhere.secret(), "still there?", null).statusCode())
                        .isEqualTo(200));
        assertThat(survivors.chat(0, everywhere.secret(), "and on B?", null).statusCode()).isEqualTo(200);
        assertThat(survivors.burst(2 * RPM, 4, limited.secret(), "again", null)).filteredOn(s -> s == 200)
                .hasSizeLessThanOrEqualTo((int) (refills + 2));
        assertThat(survivors.chat(0, revoked.secret(), "revoked still?", null).statusCode()).isEqualTo(401);
        ClusterClient.CreatedKey afterwards = survivors.createKey(0, "afterwards", null, null);
        assertThat(survivors.chat(1, afterwards.secret(), "new key, new world", null).statusCode()).isEqualTo(200);
    }
}
