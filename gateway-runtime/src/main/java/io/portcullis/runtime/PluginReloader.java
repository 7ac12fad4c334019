package io.portcullis.runtime;

import io.portcullis.api.service.Metrics;
import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.control.GatewayStatus;
import io.portcullis.runtime.plugins.PluginHost;
import io.portcullis.runtime.plugins.PluginStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hot deploy: brings the plugins in line with their folder and swaps the routes without a restart.
 *
 * <p>A reload loads what was added or changed, builds a new {@link Routing} from the plugins started now, and swaps
 * it in: requests that start afterwards run on the new routes. Requests already running finish on the old ones; once
 * none is left (or the request timeout has passed), the old providers are closed and the replaced or removed plugins
 * are unloaded. Reloads run one at a time.
 */
public final class PluginReloader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginReloader.class);

    private final GatewayConfig config;
    private final String source;
    private final PluginHost plugins;
    private final Metrics metrics;
    private final GatewayStatus status;
    private final Duration drainTimeout;
    private final AtomicReference<Routing> current;
    /** Old plugin versions the current routes may still use, because the last reload could not rebuild them. */
    private final List<PluginHost.Retired> pending = new java.util.ArrayList<>();

    /**
     * What a reload did.
     *
     * @param started file names of the plugins loaded (added or replaced)
     * @param stopped file names of the plugins removed or replaced
     * @param problem why the new routes could not be built (the old ones stay), or {@code null}
     */
    public record Result(List<String> started, List<String> stopped, String problem) {
    }

    PluginReloader(GatewayConfig config, String source, PluginHost plugins, Metrics metrics, GatewayStatus status,
                   Routing first) {
        this.config = config;
        this.source = source;
        this.plugins = plugins;
        this.metrics = metrics;
        this.status = status;
        // A request cannot outlive the request timeout by much: past it, the old plugins go anyway.
        this.drainTimeout = Duration.ofMillis(config.server().requestTimeoutMs()).plusSeconds(5);
        this.current = new AtomicReference<>(first);
    }

    /** @return the routing requests start on now */
    Routing current() {
        return current.get();
    }

    /** @return what became of each file in the plugins folder */
    public List<PluginStatus> statuses() {
        return plugins.statuses();
    }

    /** @return the paths of the routes whose policies come from the plugin in {@code file} */
    public List<String> routesUsing(String file) {
        return current.get().routes().all().values().stream()
                .filter(pipeline -> pipeline.links().stream()
                        .anyMatch(link -> file.equals(plugins.fileOf(link.policy().getClass()))))
                .map(pipeline -> pipeline.routeId()).sorted().toList();
    }

    /** Rescans the plugins folder; swaps the routes when a plugin was added, replaced or removed. */
    public synchronized Result reload() {
        PluginHost.Change change = plugins.sync();
        if (change.isEmpty()) {
            return new Result(List.of(), List.of(), null);
        }
        pending.addAll(change.retired());
        Routing next;
        try {
            next = Routing.build(config, plugins, metrics, source);
        } catch (ConfigException e) {
            // The old routes keep serving, and the plugins they use stay loaded until a reload succeeds.
            String problem = "plugins changed (started " + change.started() + ", stopped " + change.stopped()
                    + ") but the routes cannot be rebuilt, so the previous ones still serve: " + e.getMessage();
            log.error("{}", problem);
            List<String> problems = new java.util.ArrayList<>(current.get().problems(plugins.statuses(), config));
            problems.add(problem);
            status.update(plugins.statuses(), problems);
            return new Result(change.started(), change.stopped(), e.getMessage());
        }
        Routing old = current.getAndSet(next);
        status.update(plugins.statuses(), next.problems(plugins.statuses(), config));
        log.info("Plugins reloaded: started {}, stopped {}; routes rebuilt", change.started(), change.stopped());
        List<PluginHost.Retired> retired = List.copyOf(pending);
        pending.clear();
        Thread.ofVirtual().name("portcullis-plugin-drain").start(() -> retire(old, retired));
        return new Result(change.started(), change.stopped(), null);
    }

    private void retire(Routing old, List<PluginHost.Retired> retired) {
        try {
            if (!old.routes().inFlight().awaitIdle(drainTimeout)) {
                log.warn("{} requests still run on the old routes after {}: unloading their plugins anyway",
                        old.routes().inFlight().count(), drainTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        old.close();
        plugins.unload(retired);
    }

    /** Closes the current routing's providers (the plugins themselves are closed by their host). */
    @Override
    public void close() {
        current.get().close();
    }
}
