package io.portcullis.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.portcullis.runtime.Portcullis;
import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real gateway, started in this JVM on free loopback ports with real plugin JARs loaded by PF4J, for tests.
 *
 * <p>A plugin's first test:
 * <pre>{@code
 * @Test
 * void replies_are_stamped() {
 *     try (RunningGateway gateway = RunningGateway.builder()
 *             .pluginUnderTest()
 *             .mockProvider()
 *             .config("""
 *                     routes: [ { path: /v1/chat/completions, policies: [ header-stamp ] } ]
 *                     policies: { header-stamp: { header: x-stamp, value: yes } }
 *                     """)
 *             .start()) {
 *         var response = gateway.http().post("/v1/chat/completions", GatewayHttp.chat(RunningGateway.MODEL, "hi"));
 *         assertThat(response.headers().firstValue("x-stamp")).hasValue("yes");
 *     }
 * }
 * }</pre>
 *
 * <p>The configuration is the same YAML as {@code gateway.yaml}; the kit overrides {@code server.port},
 * {@code admin.port} and {@code cluster.port} (0, a free port), {@code server.bind}, {@code admin.bind} and
 * {@code cluster.bind} (127.0.0.1), {@code cluster.name} (unique, so that tests running side by side never join each
 * other), {@code cluster.members} and {@code plugins.dir}. {@link #startCluster} starts several nodes that form one
 * cluster. With {@link Builder#mockProvider()} or {@link Builder#upstream(OpenAiSimulator)}, a configuration without
 * {@code providers:} and {@code models:} gets a provider and the model {@link #MODEL} served by it; a builder-made
 * gateway without {@code admin.token} gets a random one, which {@link #admin()} sends.
 */
public final class RunningGateway implements AutoCloseable {

    /** The model name the kit configures when it adds the upstream itself. */
    public static final String MODEL = "test-model";
    /** The system property a Maven build passes the packaged plugin JAR in (failsafe, see plugins/pom.xml). */
    public static final String PLUGIN_JAR_PROPERTY = "portcullis.plugin.jar";

    private final Portcullis gateway;
    private final Path pluginsDir;
    private final boolean ownsPluginsDir;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private GatewayHttp http;
    private GatewayHttp admin;
    private OpenAIClient openAi;

    private final String adminToken;

    private RunningGateway(Portcullis gateway, Path pluginsDir, boolean ownsPluginsDir, String adminToken) {
        this.gateway = gateway;
        this.adminToken = adminToken;
        this.pluginsDir = pluginsDir;
        this.ownsPluginsDir = ownsPluginsDir;
    }

    /** @return a builder for a gateway with the plugins and configuration a test needs */
    public static Builder builder() {
        return new Builder();
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
        return start(yaml, pluginsDir, environment, uniqueClusterName(), List.of(), false);
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
                        started.stream().map(RunningGateway::clusterAddress).toList(), false));
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

    private static RunningGateway start(String yaml, Path pluginsDir, Map<String, String> environment, boolean owned) {
        return start(yaml, pluginsDir, environment, uniqueClusterName(), List.of(), owned);
    }

    private static RunningGateway start(String yaml, Path pluginsDir, Map<String, String> environment,
                                        String clusterName, List<String> members, boolean owned) {
        GatewayConfig parsed = new ConfigLoader(environment).parse(yaml, "test configuration");
        GatewayConfig.ServerConfig server = parsed.server();
        // A free cluster port and a cluster name of its own: tests running side by side never join each other.
        GatewayConfig.ClusterConfig cluster = new GatewayConfig.ClusterConfig(clusterName, "127.0.0.1", 0, members,
                parsed.cluster().failureDetectionSeconds());
        GatewayConfig config = new GatewayConfig(
                new GatewayConfig.ServerConfig("127.0.0.1", 0, server.maxBodyBytes(), server.requestTimeoutMs(),
                        server.accessLog()),
                new GatewayConfig.AdminConfig("127.0.0.1", 0, parsed.admin().token()), cluster,
                new GatewayConfig.PluginsConfig(pluginsDir.toAbsolutePath().toString(), parsed.plugins().watch(),
                        parsed.plugins().settleMs()),
                parsed.upstream(), parsed.providers(), parsed.models(), parsed.routes(), parsed.policies(),
                parsed.routing(), parsed.prices());
        try {
            return new RunningGateway(Portcullis.start(config, pluginsDir.toAbsolutePath(), "test configuration"),
                    pluginsDir.toAbsolutePath(), owned, parsed.admin().token());
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

    /** @return a plain HTTP client for the client port, closed with the gateway */
    public synchronized GatewayHttp http() {
        if (http == null) {
            http = new GatewayHttp(this::uri, null);
            clients.add(http);
        }
        return http;
    }

    /**
     * @return a plain HTTP client for the admin API that sends its bearer token (a builder-made gateway gets a random
     *         one unless the configuration sets {@code admin.token}), closed with the gateway
     */
    public synchronized GatewayHttp admin() {
        if (admin == null) {
            admin = new GatewayHttp(this::adminUri, adminToken.isEmpty() ? null : adminToken);
            clients.add(admin);
        }
        return admin;
    }

    /**
     * @return the official OpenAI Java SDK's client, pointed at this gateway (no retries, so that a test sees each
     *         answer as it is), closed with the gateway
     */
    public synchronized OpenAIClient openAi() {
        if (openAi == null) {
            openAi = OpenAIOkHttpClient.builder()
                    .baseUrl(baseUrl() + "/v1")
                    .apiKey("test")
                    .maxRetries(0)
                    .timeout(GatewayHttp.CALL_TIMEOUT)
                    .build();
            clients.add(openAi::close);
        }
        return openAi;
    }

    /** @return the running gateway itself, for assertions on its state */
    public Portcullis gateway() {
        return gateway;
    }

    /** @return the folder the gateway loads its plugins from */
    public Path pluginsDir() {
        return pluginsDir;
    }

    @Override
    public void close() {
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception e) {
                // A client that fails to close leaks nothing the JVM's end won't reclaim; the gateway must still stop.
            }
        }
        gateway.close();
        if (ownsPluginsDir) {
            deleteTree(pluginsDir);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // A temporary folder left behind is harmless; the OS cleans its temp directory.
        }
    }

    /**
     * What a test gateway is made of: plugins (from a JAR or a classes directory), an upstream, a configuration.
     * {@link #start()} copies the plugins into a fresh temporary folder, which {@link RunningGateway#close()} deletes.
     */
    public static final class Builder {

        private static final ObjectMapper YAML = new YAMLMapper();

        private final List<Path> jars = new ArrayList<>();
        private final List<ClassesPlugin> classes = new ArrayList<>();
        private final List<String> bundled = new ArrayList<>();
        private String yaml = "";
        private String provider;
        private Map<String, String> environment = System.getenv();

        private record ClassesPlugin(Path dir, String id, String version) {
        }

        private Builder() {
        }

        /**
         * Adds the plugin this build makes: the JAR in system property {@value #PLUGIN_JAR_PROPERTY} when the build
         * passes one (a Failsafe integration test after {@code package}), otherwise {@code target/classes} as a
         * plugin whose id is the project folder's name (a Surefire unit test).
         */
        public Builder pluginUnderTest() {
            String jar = System.getProperty(PLUGIN_JAR_PROPERTY);
            if (jar != null && !jar.isBlank() && Files.isRegularFile(Path.of(jar))) {
                return plugin(Path.of(jar));
            }
            Path classesDir = Path.of("target", "classes").toAbsolutePath();
            return pluginClasses(classesDir, classesDir.getParent().getParent().getFileName().toString(), "0.0.0-test");
        }

        /** Adds a plugin: its JAR, or its compiled classes directory (the folder's name is then its id). */
        public Builder plugin(Path jarOrClassesDir) {
            if (Files.isDirectory(jarOrClassesDir)) {
                return pluginClasses(jarOrClassesDir, jarOrClassesDir.toAbsolutePath().getFileName().toString(),
                        "0.0.0-test");
            }
            if (!Files.isRegularFile(jarOrClassesDir)) {
                throw new IllegalArgumentException("no plugin JAR or classes directory at " + jarOrClassesDir);
            }
            jars.add(jarOrClassesDir);
            return this;
        }

        /**
         * Adds a plugin from its compiled classes (which must include the {@code META-INF/extensions.idx} PF4J's
         * annotation processor writes), packaged as a JAR with the given id and version.
         */
        public Builder pluginClasses(Path classesDir, String id, String version) {
            classes.add(new ClassesPlugin(classesDir, id, version));
            return this;
        }

        /**
         * Adds provider-mock (carried inside the kit) as provider {@code mock}, serving the model {@link #MODEL}
         * unless the configuration lists its own providers and models. It answers {@code "You said: <the last user
         * message>"}, and streams it word by word.
         */
        public Builder mockProvider() {
            bundled.add(BundledPlugins.MOCK);
            provider = "{ id: mock, type: mock }";
            return this;
        }

        /**
         * Adds provider-openai (carried inside the kit) in front of an OpenAI simulator, as provider {@code upstream}
         * serving the model {@link #MODEL} unless the configuration lists its own providers and models; the model is
         * sent upstream as {@code gpt-4o-mini}.
         */
        public Builder upstream(OpenAiSimulator simulator) {
            bundled.add(BundledPlugins.OPENAI);
            provider = "{ id: upstream, type: openai, baseUrl: \"" + simulator.baseUrl() + "\", apiKey: test }";
            return this;
        }

        /** Sets the configuration: any part of {@code gateway.yaml} (routes and policies, usually). */
        public Builder config(String gatewayYaml) {
            this.yaml = gatewayYaml;
            return this;
        }

        /** Sets the variables {@code ${VAR}} references in the configuration resolve against (default: the process's). */
        public Builder environment(Map<String, String> variables) {
            this.environment = Map.copyOf(variables);
            return this;
        }

        /**
         * Starts the gateway.
         *
         * @throws ConfigException when the configuration (or a plugin's block of it) is invalid, with the gateway's
         *                         messages
         */
        public RunningGateway start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("portcullis-test-plugins");
                for (Path jar : jars) {
                    Files.copy(jar, dir.resolve(jar.getFileName()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (ClassesPlugin plugin : classes) {
                PluginJars.plugin(plugin.id(), plugin.version()).packageClasses(plugin.dir(),
                        dir.resolve(plugin.id() + ".jar"));
            }
            bundled.forEach(id -> BundledPlugins.copy(id, dir));
            try {
                return RunningGateway.start(withKitDefaults(yaml), dir, environment, true);
            } catch (RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }

        /** Adds the kit's provider and model to a configuration that names none, and an admin token. */
        private String withKitDefaults(String text) {
            try {
                JsonNode parsed = YAML.readTree(text);
                ObjectNode root = parsed instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
                ObjectNode admin = root.get("admin") instanceof ObjectNode given ? given : root.putObject("admin");
                if (!admin.has("token")) {
                    admin.put("token", java.util.UUID.randomUUID().toString());
                }
                if (provider == null) {
                    return YAML.writeValueAsString(root);
                }
                if (!root.has("providers")) {
                    root.set("providers", YAML.readTree("[ " + provider + " ]"));
                }
                if (!root.has("models")) {
                    root.set("models", YAML.readTree("[ { name: " + MODEL + ", targets: [ { provider: "
                            + YAML.readTree(provider).path("id").asText() + ", model: gpt-4o-mini } ] } ]"));
                }
                return YAML.writeValueAsString(root);
            } catch (IOException e) {
                // Not YAML: let the gateway's own loader say so, with its message.
                return text;
            }
        }
    }
}
