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
import io.portcullis.runtime.admin.RoutesResource;
import io.portcullis.runtime.cluster.BucketRateLimiter;
import io.portcullis.runtime.cluster.ClusterApiKeys;
import io.portcullis.runtime.cluster.ClusterMember;
import io.portcullis.runtime.cluster.HazelcastSharedState;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.control.ControlPlane;
import io.portcullis.runtime.control.GatewayStatus;
import io.portcullis.runtime.http.DataPlaneHandler;
import io.portcullis.runtime.pipeline.RouteTable;
import io.portcullis.runtime.plugins.PluginHost;
import io.portcullis.runtime.plugins.PluginStatus;
import io.portcullis.runtime.routing.ModelRouter;
import io.portcullis.runtime.routing.ProviderRegistry;
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
    private ClusterMember cluster;

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

    private void assemble(GatewayConfig config, Path home, String source) throws Exception {
        MicrometerMetrics metrics = new MicrometerMetrics();
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
        cluster = ClusterMember.start(config.cluster());
        resources.add(cluster);
        status.dependsOn("the cluster member is not running", cluster::isRunning);
        ClusterApiKeys apiKeys = new ClusterApiKeys(cluster.hazelcast());
        ServiceLocatorUtilities.addOneConstant(services, new HazelcastSharedState(cluster.hazelcast()), null,
                SharedState.class);
        ServiceLocatorUtilities.addOneConstant(services, new BucketRateLimiter(cluster.hazelcast()), null,
                RateLimiter.class);
        ServiceLocatorUtilities.addOneConstant(services, apiKeys, null, ApiKeys.class);

        PluginHost plugins = PluginHost.start(home.resolve(config.plugins().dir()), services);
        resources.add(plugins);
        ConfigLoader binder = new ConfigLoader();
        ProviderRegistry providers = ProviderRegistry.build(config.providers(), plugins.providerFactories(), binder,
                source);
        resources.add(providers);
        ModelRouter router = new ModelRouter(config, providers);
        RouteTable routes = RouteTable.build(config, plugins.policyFactories(), router, metrics, binder, source);

        DataPlaneHandler dataPlane = new DataPlaneHandler(() -> routes, config.server().maxBodyBytes(),
                Duration.ofMillis(config.server().requestTimeoutMs()), config.server().accessLog(), metrics);
        server = GatewayServer.create(config.server(),
                dataPlane, ControlPlane.build(status, () -> router, metrics));
        server.start();
        resources.add(server::stop);

        List<Object> adminResources = new ArrayList<>();
        adminResources.add(new RoutesResource(() -> routes));
        adminResources.add(new KeysResource(apiKeys));
        adminResources.add(new ClusterResource(cluster));
        adminServer = AdminPlane.create(config.admin(), adminResources);
        adminServer.start();
        resources.add(adminServer::stop);
        if (config.admin().token().isEmpty()) {
            log.warn("The admin API on {}:{} refuses every call: no admin.token is configured",
                    config.admin().bind(), adminPort());
        }

        status.ready(plugins.statuses(), problems(plugins.statuses(), config, providers, routes));
        log.info("Portcullis listening on {}:{}; models {}; cluster '{}' member {} of {}", config.server().bind(), port(),
                router.availableModels().stream().map(m -> m.id()).toList(), cluster.name(), cluster.address(),
                cluster.members().size());
    }

    private static List<String> problems(List<PluginStatus> plugins, GatewayConfig config, ProviderRegistry providers,
                                         RouteTable routes) {
        List<String> problems = new ArrayList<>();
        plugins.stream().filter(p -> p.problem() != null).forEach(p -> problems.add(p.file() + ": " + p.problem()));
        config.providers().stream().filter(entry -> entry.enabled())
                .map(entry -> providers.whyUnavailable(entry.id())).filter(java.util.Objects::nonNull)
                .forEach(problems::add);
        routes.all().values().stream().filter(p -> p.unavailable() != null).forEach(p -> problems.add(p.unavailable()));
        return problems;
    }

    /** @return the port the client listener is bound to */
    public int port() {
        return GatewayServer.port(server);
    }

    /** @return the port the admin API listens on */
    public int adminPort() {
        return AdminPlane.port(adminServer);
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
