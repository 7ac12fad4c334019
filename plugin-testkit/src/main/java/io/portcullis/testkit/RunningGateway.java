package io.portcullis.testkit;

import io.portcullis.runtime.Portcullis;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * A real gateway, started in this JVM on a free loopback port with the plugin JARs of a folder, for tests.
 *
 * <pre>{@code
 * try (RunningGateway gateway = RunningGateway.start("""
 *         providers: [ { id: mock, type: mock } ]
 *         models: [ { name: mock, targets: [ { provider: mock } ] } ]
 *         routes: [ { path: /v1/chat/completions, policies: [ my-policy ] } ]
 *         """, pluginsDir)) {
 *     // call gateway.baseUrl() + "/v1/chat/completions" with any HTTP client or the OpenAI SDK
 * }
 * }</pre>
 *
 * <p>The configuration is the same YAML as {@code gateway.yaml}; the kit overrides {@code server.port},
 * {@code admin.port} and {@code cluster.port} (0, a free port), {@code server.bind}, {@code admin.bind} and
 * {@code cluster.bind} (127.0.0.1), {@code cluster.name} (unique, so that tests running side by side never join each
 * other), {@code cluster.members} and {@code plugins.dir} (the folder given). {@link #startCluster} starts several
 * nodes that form one cluster.
 */
public final class RunningGateway implements AutoCloseable {

    private final Portcullis gateway;

    private RunningGateway(Portcullis gateway) {
        this.gateway = gateway;
    }

    /** Starts a gateway with the given configuration and plugins folder, reading the process environment. */
    public static RunningGateway start(String yaml, Path pluginsDir) {
        return start(yaml, pluginsDir, System.getenv());
    }

    /**
     * Starts a gateway, a node of a cluster of its own.
     *
     * @param yaml        the configuration
     * @param pluginsDir  the folder of plugin JARs to load
     * @param environment the variables {@code ${VAR}} references resolve against
     */
    public static RunningGateway start(String yaml, Path pluginsDir, Map<String, String> environment) {
        return start(yaml, pluginsDir, environment, uniqueClusterName(), List.of());
    }

    /**
     * Starts {@code nodes} gateways with the same configuration that form one cluster, one after the other, each
     * joining those already started. Close every one of them (or {@link #closeAll}).
     *
     * @return the nodes, in the order they started (the first is the cluster's oldest member)
     */
    public static List<RunningGateway> startCluster(int nodes, String yaml, Path pluginsDir,
                                                    Map<String, String> environment) {
        String name = uniqueClusterName();
        List<RunningGateway> started = new ArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                started.add(start(yaml, pluginsDir, environment, name,
                        started.stream().map(RunningGateway::clusterAddress).toList()));
            }
            for (RunningGateway node : started) {
                node.awaitClusterSize(nodes);
            }
            return List.copyOf(started);
        } catch (RuntimeException | Error e) {
            closeAll(started);
            throw e;
        }
    }

    /** Closes each of the given gateways, those already stopped or terminated included. */
    public static void closeAll(List<RunningGateway> gateways) {
        for (int i = gateways.size() - 1; i >= 0; i--) {
            gateways.get(i).close();
        }
    }

    private static RunningGateway start(String yaml, Path pluginsDir, Map<String, String> environment,
                                        String clusterName, List<String> members) {
        GatewayConfig parsed = new ConfigLoader(environment).parse(yaml, "test configuration");
        GatewayConfig.ServerConfig server = parsed.server();
        // A free cluster port and a cluster name of its own: tests running side by side never join each other.
        GatewayConfig.ClusterConfig cluster = new GatewayConfig.ClusterConfig(clusterName, "127.0.0.1", 0, members,
                parsed.cluster().failureDetectionSeconds());
        GatewayConfig config = new GatewayConfig(
                new GatewayConfig.ServerConfig("127.0.0.1", 0, server.maxBodyBytes(), server.requestTimeoutMs(),
                        server.accessLog()),
                new GatewayConfig.AdminConfig("127.0.0.1", 0, parsed.admin().token()), cluster, new GatewayConfig.PluginsConfig(pluginsDir.toAbsolutePath().toString()),
                parsed.upstream(), parsed.providers(), parsed.models(), parsed.routes(), parsed.policies(),
                parsed.routing(), parsed.prices());
        try {
            return new RunningGateway(Portcullis.start(config, pluginsDir.toAbsolutePath(), "test configuration"));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the gateway did not start: " + e.getMessage(), e);
        }
    }

    private static String uniqueClusterName() {
        return "portcullis-test-" + UUID.randomUUID();
    }

    private void awaitClusterSize(int size) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (gateway.cluster().members().size() != size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not form: node " + clusterAddress() + " sees "
                        + gateway.cluster().members() + ", expected " + size + " members");
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    /** @return this node's cluster member address, {@code 127.0.0.1:<port>} */
    public String clusterAddress() {
        return gateway.cluster().address();
    }

    /** @return the name of the cluster this node belongs to */
    public String clusterName() {
        return gateway.cluster().name();
    }

    /**
     * Kills this node's cluster member abruptly, as a crashed process would: no goodbye to the other members, no
     * handing over of its partitions. The rest of the gateway keeps running until {@link #close}.
     */
    public void killClusterMember() {
        gateway.cluster().hazelcast().getLifecycleService().terminate();
    }

    /** @return the client port */
    public int port() {
        return gateway.port();
    }

    /** @return the admin API's port */
    public int adminPort() {
        return gateway.adminPort();
    }

    /** @return the absolute URI of a path on the admin port */
    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + adminPort() + path);
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** @return the absolute URI of a path on the client port */
    public URI uri(String path) {
        return URI.create(baseUrl() + path);
    }

    /** @return the running gateway itself, for assertions on its state */
    public Portcullis gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
    }
}
