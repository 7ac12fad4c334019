package io.portcullis.runtime;

import io.portcullis.api.service.Metrics;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.pipeline.RouteTable;
import io.portcullis.runtime.plugins.PluginHost;
import io.portcullis.runtime.plugins.PluginStatus;
import io.portcullis.runtime.routing.ModelRouter;
import io.portcullis.runtime.routing.ProviderRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The providers, the model router and the route table built from one set of started plugins: the part of the gateway
 * that a plugin reload rebuilds whole. The one place they are constructed, at start and on every reload.
 *
 * @param providers the providers: closed with this generation
 * @param router    the model router (every route's terminal)
 * @param routes    the routes, with their pipelines
 */
record Routing(ProviderRegistry providers, ModelRouter router, RouteTable routes) implements AutoCloseable {

    /**
     * Builds providers, router and routes from the plugins started now.
     *
     * @throws io.portcullis.runtime.config.ConfigException when a plugin rejects its configuration
     */
    static Routing build(GatewayConfig config, PluginHost plugins, Metrics metrics, String source) {
        ConfigLoader binder = new ConfigLoader();
        ProviderRegistry providers = ProviderRegistry.build(config.providers(), plugins.providerFactories(), binder,
                source);
        try {
            ModelRouter router = new ModelRouter(config, providers);
            List<String> notStarted = plugins.statuses().stream().filter(p -> p.problem() != null)
                    .map(Routing::forClients).toList();
            RouteTable routes = RouteTable.build(config, plugins.policyFactories(), router, metrics, binder, source,
                    notStarted);
            return new Routing(providers, router, routes);
        } catch (RuntimeException e) {
            providers.close();
            throw e;
        }
    }

    /**
     * How a route's 503 names a plugin that is not started: an incompatible one with both versions (nothing there is
     * secret), any other without its failure, which may quote internals; the log and {@code /health/ready} have it.
     */
    private static String forClients(PluginStatus plugin) {
        return plugin.file() + " " + (plugin.state().equals("DISABLED") ? plugin.problem()
                : "did not start (the gateway's log and /health/ready say why)");
    }

    /** @return what the health endpoint lists: plugins not started, providers off, routes unavailable */
    List<String> problems(List<PluginStatus> plugins, GatewayConfig config) {
        List<String> problems = new ArrayList<>();
        plugins.stream().filter(p -> p.problem() != null).forEach(p -> problems.add(p.file() + ": " + p.problem()));
        config.providers().stream().filter(entry -> entry.enabled())
                .map(entry -> providers.whyUnavailable(entry.id())).filter(Objects::nonNull)
                .forEach(problems::add);
        routes.all().values().stream().filter(p -> p.unavailable() != null).forEach(p -> problems.add(p.unavailable()));
        return problems;
    }

    @Override
    public void close() {
        providers.close();
    }
}
