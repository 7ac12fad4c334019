package io.portcullis.runtime.plugins;

import io.portcullis.api.ApiVersion;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.provider.ProviderFactory;
import org.glassfish.hk2.api.ServiceLocator;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the plugin JARs of a folder and holds the factories they contribute.
 *
 * <p>One broken plugin never stops the others: a file that is not a readable plugin, a plugin built for another
 * plugin-api major, a plugin that throws in {@code start()} or whose extensions cannot be created — each is logged
 * with its file name and left out, and the gateway starts with the rest. Extensions are resolved once per load
 * (PF4J creates new instances on every {@code getExtensions} call).
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

    private final PortcullisPluginManager manager;
    private final Path folder;
    private final Map<String, PolicyFactory<?>> policyFactories = new LinkedHashMap<>();
    private final Map<String, ProviderFactory<?>> providerFactories = new LinkedHashMap<>();
    private final List<PluginStatus> statuses = new ArrayList<>();

    private PluginHost(Path folder, ServiceLocator locator) {
        this.folder = folder;
        this.manager = new PortcullisPluginManager(folder, locator);
    }

    /**
     * Loads and starts every plugin in {@code folder}.
     *
     * @param locator where extensions' {@code @Inject} dependencies come from
     */
    public static PluginHost start(Path folder, ServiceLocator locator) {
        PluginHost host = new PluginHost(folder, locator);
        host.loadAll();
        return host;
    }

    private void loadAll() {
        if (!Files.isDirectory(folder)) {
            log.warn("Plugins folder {} does not exist: starting without plugins", folder);
            return;
        }
        Map<String, Path> loaded = new LinkedHashMap<>();
        for (Path path : manager.pluginPaths()) {
            try {
                String id = manager.loadPlugin(path);
                loaded.put(id, path);
            } catch (RuntimeException e) {
                String problem = "not a loadable plugin: " + rootMessage(e);
                log.error("Plugin file {} skipped: {}", path.getFileName(), problem);
                statuses.add(new PluginStatus(path.getFileName().toString(), null, null, "UNLOADABLE", problem,
                        List.of(), List.of()));
            }
        }
        manager.startPlugins();
        loaded.forEach((id, path) -> collect(manager.getPlugin(id), path.getFileName().toString()));
        log.info("Plugins: {} started of {} files in {}; policies {}, providers {}",
                statuses.stream().filter(s -> s.state().equals("STARTED")).count(), statuses.size(), folder,
                policyFactories.keySet(), providerFactories.keySet());
    }

    private void collect(PluginWrapper plugin, String file) {
        String id = plugin.getPluginId();
        String version = plugin.getDescriptor().getVersion();
        if (plugin.getPluginState() == PluginState.DISABLED) {
            String problem = "requires plugin-api " + plugin.getDescriptor().getRequires() + ", this gateway has "
                    + ApiVersion.current();
            log.error("Plugin {} ({}) not started: {}", id, file, problem);
            statuses.add(new PluginStatus(file, id, version, "DISABLED", problem, List.of(), List.of()));
            return;
        }
        if (plugin.getPluginState() != PluginState.STARTED) {
            Throwable failure = plugin.getFailedException();
            String problem = "failed to start: " + (failure == null ? plugin.getPluginState() : rootMessage(failure));
            log.error("Plugin {} ({}) {}", id, file, problem, failure);
            statuses.add(new PluginStatus(file, id, version, "FAILED", problem, List.of(), List.of()));
            return;
        }
        List<String> policies = new ArrayList<>();
        List<String> providers = new ArrayList<>();
        try {
            for (PolicyFactory<?> factory : manager.getExtensions(PolicyFactory.class, id)) {
                register(policyFactories, factory.name(), factory, id, "policy");
                policies.add(factory.name());
            }
            for (ProviderFactory<?> factory : manager.getExtensions(ProviderFactory.class, id)) {
                register(providerFactories, factory.type(), factory, id, "provider type");
                providers.add(factory.type());
            }
        } catch (RuntimeException e) {
            String problem = "its extensions cannot be created: " + rootMessage(e);
            log.error("Plugin {} ({}) {}", id, file, problem, e);
            statuses.add(new PluginStatus(file, id, version, "FAILED", problem, List.of(), List.of()));
            return;
        }
        if (policies.isEmpty() && providers.isEmpty()) {
            log.warn("Plugin {} ({}) contributes no extension: is its META-INF/extensions.idx missing "
                    + "(PF4J's annotation processor not run)?", id, file);
        }
        statuses.add(new PluginStatus(file, id, version, "STARTED", null, List.copyOf(policies),
                List.copyOf(providers)));
    }

    private static <F> void register(Map<String, F> registry, String name, F factory, String pluginId, String kind) {
        F previous = registry.putIfAbsent(name, factory);
        if (previous != null) {
            log.error("Plugin {} contributes {} '{}' that another plugin already contributes: keeping the first",
                    pluginId, kind, name);
        }
    }

    /** @return the policy factories by policy name */
    public Map<String, PolicyFactory<?>> policyFactories() {
        return Collections.unmodifiableMap(policyFactories);
    }

    /** @return the provider factories by provider type */
    public Map<String, ProviderFactory<?>> providerFactories() {
        return Collections.unmodifiableMap(providerFactories);
    }

    /** @return what became of each file in the folder */
    public List<PluginStatus> statuses() {
        return List.copyOf(statuses);
    }

    @Override
    public void close() {
        // Not stopPlugins(): PF4J 3.15.0's iterates the list it modifies (pf4j/pf4j#656). unloadPlugin stops first.
        for (PluginWrapper plugin : List.copyOf(manager.getPlugins())) {
            try {
                manager.unloadPlugin(plugin.getPluginId());
            } catch (RuntimeException e) {
                log.warn("Plugin {} did not stop cleanly", plugin.getPluginId(), e);
            }
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
