package io.portcullis.testkit;

import io.portcullis.runtime.Portcullis;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

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
 * <p>The configuration is the same YAML as {@code gateway.yaml}; the kit overrides {@code server.port} and {@code admin.port}
 * (0, a free port), {@code server.bind} and {@code admin.bind} (127.0.0.1) and {@code plugins.dir} (the folder given).
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
     * Starts a gateway.
     *
     * @param yaml        the configuration
     * @param pluginsDir  the folder of plugin JARs to load
     * @param environment the variables {@code ${VAR}} references resolve against
     */
    public static RunningGateway start(String yaml, Path pluginsDir, Map<String, String> environment) {
        GatewayConfig parsed = new ConfigLoader(environment).parse(yaml, "test configuration");
        GatewayConfig.ServerConfig server = parsed.server();
        GatewayConfig config = new GatewayConfig(
                new GatewayConfig.ServerConfig("127.0.0.1", 0, server.maxBodyBytes(), server.requestTimeoutMs(),
                        server.accessLog()),
                new GatewayConfig.AdminConfig("127.0.0.1", 0, parsed.admin().token()), parsed.cluster(), new GatewayConfig.PluginsConfig(pluginsDir.toAbsolutePath().toString()),
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
