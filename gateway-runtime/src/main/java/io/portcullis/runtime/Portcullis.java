package io.portcullis.runtime;

import io.portcullis.api.service.ApiKeys;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.Metrics;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.SharedState;
import io.portcullis.api.service.Tokenizer;
import io.portcullis.runtime.admin.AdminPlane;
import io.portcullis.runtime.admin.ClusterResource;
import io.portcullis.runtime.admin.KeysResource;
import io.portcullis.runtime.admin.PluginsResource;
import io.portcullis.runtime.admin.RoutesResource;
import io.portcullis.runtime.cluster.BucketRateLimiter;
import io.portcullis.runtime.cluster.ClusterApiKeys;
import io.portcullis.runtime.cluster.ClusterMember;
import io.portcullis.runtime.cluster.HazelcastSharedState;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.control.ControlPlane;
import io.portcullis.runtime.control.GatewayStatus;
import io.portcullis.runtime.http.DataPlaneHandler;
import io.portcullis.runtime.plugins.PluginHost;
import io.portcullis.runtime.plugins.PluginWatcher;
import io.portcullis.runtime.server.GatewayServer;
import io.portcullis.runtime.services.JettyHttpTransport;
import io.portcullis.runtime.services.JtokkitTokenizer;
import io.portcullis.runtime.services.MicrometerMetrics;
import io.portcullis.runtime.services.UpstreamClient;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Server;
import org.glassfish.hk2.api.ServiceLocator;
import org.glassfish.hk2.api.ServiceLocatorFactory;
import org.glassfish.hk2.utilities.ServiceLocatorUtilities;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running gateway, assembled in one place from a validated configuration: platform services, plugins, providers,
 * models, routes, the server. Read {@link #start} top to bottom to see how the pieces fit; nothing is looked up
 * later. {@link #close()} stops everything in reverse order.
 */
public final class Portcullis implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Portcullis.class);
    private static final AtomicInteger LOCATORS = new AtomicInteger();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final GatewayStatus status = new GatewayStatus();
    private Server server;
    private Server adminServer;
    private PluginReloader reloader;
    private ClusterMember cluster;
    private ClusterApiKeys apiKeys;

    private Portcullis() {
    }

    /**
     * Starts a gateway.
     *
     * @param config the configuration
     * @param home   the directory relative paths of the configuration are resolved against
     * @param source the configuration's file name, for messages
     * @throws io.portcullis.runtime.config.ConfigException when the plugins reject their configuration
     * @throws Exception                                     when a listener cannot be opened
     */
    public static Portcullis start(GatewayConfig config, Path home, String source) throws Exception {
        Portcullis gateway = new Portcullis();
        try {
            gateway.assemble(config, home, source);
            return gateway;
        } catch (Exception | Error e) {
            gateway.close();
            throw e;
        }
    }

    /**
     * Checks a configuration as {@link #start} would — its sections, then its plugins' blocks bound to their
     * plugins' records — without opening a listener: what {@code bin/portcullis config check} runs.
     *
     * @return what the gateway would start with but report as problems (a plugin not started, a route unavailable)
     * @throws io.portcullis.runtime.config.ConfigException when the gateway would refuse to start
     * @throws Exception                                     when the platform services cannot be created
     */
    public static List<String> check(GatewayConfig config, Path home, String source) throws Exception {
        Portcullis gateway = new Portcullis();
        try {
            MicrometerMetrics metrics = new MicrometerMetrics();
            // A member of its own (any free port, no peers), so that plugins asking for the cluster services are
            // created exactly as at start, without joining or disturbing a running cluster.
            GatewayConfig.ClusterConfig alone = new GatewayConfig.ClusterConfig(
                    "portcullis-config-check-" + ProcessHandle.current().pid(), "127.0.0.1", 0, List.of(),
                    config.cluster().failureDetectionSeconds());
            PluginHost plugins = PluginHost.start(home.resolve(config.plugins().dir()),
                    gateway.platformServices(config, alone, metrics));
            gateway.resources.add(plugins);
            try (Routing routing = Routing.build(config, plugins, metrics, source)) {
                return routing.problems(plugins.statuses(), config);
            }
        } finally {
            gateway.close();
        }
    }

    /** The services plugins receive by injection, in a locator their extensions are created through. */
    private ServiceLocator platformServices(GatewayConfig config, GatewayConfig.ClusterConfig clusterConfig,
                                            Metrics metrics) throws Exception {
        Tokenizer tokenizer = new JtokkitTokenizer();
        HttpClient upstreamClient = UpstreamClient.create(config.upstream());
        upstreamClient.start();
        resources.add(upstreamClient::stop);
        HttpTransport transport = new JettyHttpTransport(upstreamClient);

        ServiceLocator services = ServiceLocatorFactory.getInstance().create("portcullis-" + LOCATORS.incrementAndGet());
        resources.add(services::shutdown);
        ServiceLocatorUtilities.addOneConstant(services, transport, null, HttpTransport.class);
        ServiceLocatorUtilities.addOneConstant(services, tokenizer, null, Tokenizer.class);
        ServiceLocatorUtilities.addOneConstant(services, metrics, null, Metrics.class);

        // The cluster before the plugins: their extensions are created with the cluster services injected.
        cluster = ClusterMember.start(clusterConfig);
        resources.add(cluster);
        status.dependsOn("the cluster member is not running", cluster::isRunning);
        apiKeys = new ClusterApiKeys(cluster.hazelcast());
        ServiceLocatorUtilities.addOneConstant(services, new HazelcastSharedState(cluster.hazelcast()), null,
                SharedState.class);
        ServiceLocatorUtilities.addOneConstant(services, new BucketRateLimiter(cluster.hazelcast()), null,
                RateLimiter.class);
        ServiceLocatorUtilities.addOneConstant(services, apiKeys, null, ApiKeys.class);
        return services;
    }

    private void assemble(GatewayConfig config, Path home, String source) throws Exception {
        MicrometerMetrics metrics = new MicrometerMetrics();
        ServiceLocator services = platformServices(config, config.cluster(), metrics);

        Path pluginsFolder = home.resolve(config.plugins().dir());
        PluginHost plugins = PluginHost.start(pluginsFolder, services);
        resources.add(plugins);
        // Providers, router and routes are built in Routing alone, at start and again on every plugin reload.
        Routing first = Routing.build(config, plugins, metrics, source);
        reloader = new PluginReloader(config, source, plugins, metrics, status, first);
        resources.add(reloader);

        DataPlaneHandler dataPlane = new DataPlaneHandler(() -> reloader.current().routes(),
                config.server().maxBodyBytes(), Duration.ofMillis(config.server().requestTimeoutMs()),
                config.server().accessLog(), metrics);
        server = GatewayServer.create(config.server(),
                dataPlane, ControlPlane.build(status, () -> reloader.current().router(), metrics));
        server.start();
        resources.add(server::stop);

        List<Object> adminResources = new ArrayList<>();
        adminResources.add(new RoutesResource(() -> reloader.current().routes()));
        adminResources.add(new PluginsResource(reloader));
        adminResources.add(new KeysResource(apiKeys));
        adminResources.add(new ClusterResource(cluster));
        adminServer = AdminPlane.create(config.admin(), adminResources);
        adminServer.start();
        resources.add(adminServer::stop);
        if (config.admin().token().isEmpty()) {
            log.warn("The admin API on {}:{} refuses every call: no admin.token is configured",
                    config.admin().bind(), adminPort());
        }

        status.ready(plugins.statuses(), first.problems(plugins.statuses(), config));
        if (config.plugins().watch()) {
            PluginWatcher watcher = PluginWatcher.start(pluginsFolder,
                    Duration.ofMillis(config.plugins().settleMs()), reloader::reload);
            if (watcher != null) {
                resources.add(watcher);
            }
        }
        log.info("Portcullis listening on {}:{}; models {}; cluster '{}' member {} of {}", config.server().bind(),
                port(), first.router().availableModels().stream().map(m -> m.id()).toList(), cluster.name(),
                cluster.address(), cluster.members().size());
    }

    /** @return the port the client listener is bound to */
    public int port() {
        return GatewayServer.port(server);
    }

    /** @return the port the admin API listens on */
    public int adminPort() {
        return AdminPlane.port(adminServer);
    }

    /**
     * Rescans the plugins folder now, as the folder watcher does after a change: plugins added, replaced or removed
     * are started, swapped or stopped, and the routes rebuilt.
     */
    public PluginReloader.Result reloadPlugins() {
        return reloader.reload();
    }

    /** @return this node's cluster member */
    public ClusterMember cluster() {
        return cluster;
    }

    /** @return what the health endpoints report */
    public GatewayStatus status() {
        return status;
    }

    /** Stops the gateway: the listener first, so no request starts while the rest shuts down. */
    @Override
    public void close() {
        status.stopping();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("Failed to stop a component cleanly", e);
            }
        }
        resources.clear();
    }
}
