package io.portcullis.runtime.plugins;

import io.portcullis.api.ApiVersion;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.provider.ProviderFactory;
import org.glassfish.hk2.api.ServiceLocator;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loads the plugin JARs of a folder, holds the factories they contribute, and follows the folder's changes.
 *
 * <p>One broken plugin never stops the others: a file that is not a readable plugin, a plugin built for another
 * plugin-api major, a plugin that throws in {@code start()} or whose extensions cannot be created — each is logged
 * with its file name and left out, and the gateway runs with the rest. Extensions are resolved once per load
 * (PF4J creates new instances on every {@code getExtensions} call).
 *
 * <p>Each JAR has a PF4J manager of its own, so that a replaced JAR's new version can be loaded (same plugin id)
 * while requests still run on the old one: {@link #sync()} loads what was added or changed and hands back what it
 * replaced or removed, which the caller unloads with {@link #unload} once no request uses it any more.
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

    private final Path folder;
    private final ServiceLocator locator;
    /** Where the JARs are loaded from: copies, see {@link #snapshot}. */
    private Path snapshots;
    private long snapshotCount;
    /** By file name, in file-name order: the order factories are registered in, so the first of two names wins. */
    private final Map<String, Loaded> loaded = new TreeMap<>();

    /**
     * One file of the folder as last seen, and what became of it.
     *
     * @param snapshot the copy PF4J loaded it from, or {@code null}
     * @param manager  the PF4J manager holding it, or {@code null} when it could not even be read as a plugin
     */
    private record Loaded(Path file, Path snapshot, FileTime modified, long size, PortcullisPluginManager manager,
                          PluginStatus status, Map<String, PolicyFactory<?>> policies,
                          Map<String, ProviderFactory<?>> providers) {

        boolean sameFile(FileTime otherModified, long otherSize) {
            return modified.equals(otherModified) && size == otherSize;
        }

        ClassLoader classLoader() {
            if (manager == null || status.id() == null || manager.getPlugin(status.id()) == null) {
                return null;
            }
            return manager.getPlugin(status.id()).getPluginClassLoader();
        }
    }

    /**
     * What a {@link #sync()} changed.
     *
     * @param started  file names loaded (added or replaced)
     * @param stopped  file names removed or replaced
     * @param retired  the old versions, to {@link #unload} once no request uses them
     */
    public record Change(List<String> started, List<String> stopped, List<Retired> retired) {

        /** @return whether anything changed */
        public boolean isEmpty() {
            return started.isEmpty() && stopped.isEmpty();
        }
    }

    /** An old plugin version that is no longer served, waiting for its requests to finish. */
    public static final class Retired {
        private final Loaded loaded;

        private Retired(Loaded loaded) {
            this.loaded = loaded;
        }

        /** @return its file name */
        public String file() {
            return loaded.status().file();
        }
    }

    private PluginHost(Path folder, ServiceLocator locator) {
        this.folder = folder;
        this.locator = locator;
    }

    /**
     * Loads and starts every plugin in {@code folder}.
     *
     * @param locator where extensions' {@code @Inject} dependencies come from
     */
    public static PluginHost start(Path folder, ServiceLocator locator) {
        PluginHost host = new PluginHost(folder, locator);
        if (!Files.isDirectory(folder)) {
            log.warn("Plugins folder {} does not exist: starting without plugins", folder);
            return host;
        }
        host.sync();
        return host;
    }

    /** @return the folder this host loads from */
    public Path folder() {
        return folder;
    }

    /**
     * Brings the loaded plugins in line with the folder: a new JAR is loaded and started, a changed one (size or
     * modification time) is loaded anew, a removed one is retired. Nothing is unloaded here: the caller swaps the
     * routes first, then {@linkplain #unload unloads} the retired versions when their requests are done.
     */
    public synchronized Change sync() {
        Map<String, Path> present = jars();
        List<String> started = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        List<Retired> retired = new ArrayList<>();
        for (String name : List.copyOf(loaded.keySet())) {
            if (!present.containsKey(name)) {
                retired.add(new Retired(loaded.remove(name)));
                stopped.add(name);
            }
        }
        present.forEach((name, path) -> {
            FileTime modified;
            long size;
            try {
                modified = Files.getLastModifiedTime(path);
                size = Files.size(path);
            } catch (IOException e) {
                return; // removed while we looked: the next sync sees it gone
            }
            Loaded previous = loaded.get(name);
            if (previous != null && previous.sameFile(modified, size)) {
                return;
            }
            if (previous != null) {
                retired.add(new Retired(previous));
                stopped.add(name);
            }
            loaded.put(name, load(path, modified, size));
            started.add(name);
        });
        log.info("Plugins: {} started of {} files in {}; policies {}, providers {}",
                loaded.values().stream().filter(l -> l.status().state().equals("STARTED")).count(), loaded.size(),
                folder, policyFactories().keySet(), providerFactories().keySet());
        return new Change(List.copyOf(started), List.copyOf(stopped), List.copyOf(retired));
    }

    private Map<String, Path> jars() {
        Map<String, Path> jars = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return jars;
        }
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(file -> file.getFileName().toString().endsWith(".jar") && Files.isRegularFile(file))
                    .forEach(file -> jars.put(file.getFileName().toString(), file));
        } catch (IOException e) {
            log.error("Plugins folder {} cannot be listed: {}", folder, e.getMessage());
        }
        return jars;
    }

    private Loaded load(Path original, FileTime modified, long size) {
        String file = original.getFileName().toString();
        PortcullisPluginManager manager = new PortcullisPluginManager(folder, locator);
        Path path = null;
        String id;
        try {
            path = snapshot(original);
            id = manager.loadPlugin(path);
        } catch (RuntimeException | IOException e) {
            String problem = "not a loadable plugin: " + rootMessage(e);
            log.error("Plugin file {} skipped: {}", file, problem);
            deleteSnapshot(path);
            return new Loaded(original, null, modified, size, null,
                    new PluginStatus(file, null, null, "UNLOADABLE", problem, List.of(), List.of()), Map.of(),
                    Map.of());
        }
        PluginWrapper plugin = manager.getPlugin(id);
        String version = plugin.getDescriptor().getVersion();
        if (plugin.getPluginState() != PluginState.DISABLED) {
            manager.startPlugin(id);
        }
        if (plugin.getPluginState() == PluginState.DISABLED) {
            String problem = "requires plugin-api " + plugin.getDescriptor().getRequires() + ", this gateway has "
                    + ApiVersion.current();
            log.error("Plugin {} ({}) not started: {}", id, file, problem);
            return failed(original, path, modified, size, manager,
                    new PluginStatus(file, id, version, "DISABLED", problem, List.of(), List.of()));
        }
        if (plugin.getPluginState() != PluginState.STARTED) {
            Throwable failure = plugin.getFailedException();
            String problem = "failed to start: " + (failure == null ? plugin.getPluginState() : rootMessage(failure));
            log.error("Plugin {} ({}) {}", id, file, problem, failure);
            return failed(original, path, modified, size, manager,
                    new PluginStatus(file, id, version, "FAILED", problem, List.of(), List.of()));
        }
        Map<String, PolicyFactory<?>> policies = new LinkedHashMap<>();
        Map<String, ProviderFactory<?>> providers = new LinkedHashMap<>();
        try {
            for (PolicyFactory<?> factory : manager.getExtensions(PolicyFactory.class, id)) {
                policies.put(factory.name(), factory);
            }
            for (ProviderFactory<?> factory : manager.getExtensions(ProviderFactory.class, id)) {
                providers.put(factory.type(), factory);
            }
        } catch (RuntimeException | LinkageError e) {
            String problem = "its extensions cannot be created: " + rootMessage(e);
            log.error("Plugin {} ({}) {}", id, file, problem, e);
            return failed(original, path, modified, size, manager,
                    new PluginStatus(file, id, version, "FAILED", problem, List.of(), List.of()));
        }
        if (policies.isEmpty() && providers.isEmpty()) {
            log.warn("Plugin {} ({}) contributes no extension: is its META-INF/extensions.idx missing "
                    + "(PF4J's annotation processor not run)?", id, file);
        }
        log.info("Plugin {} {} ({}) started: policies {}, providers {}", id, version, file, policies.keySet(),
                providers.keySet());
        return new Loaded(original, path, modified, size, manager, new PluginStatus(file, id, version, "STARTED", null,
                List.copyOf(policies.keySet()), List.copyOf(providers.keySet())), Map.copyOf(policies),
                Map.copyOf(providers));
    }

    private static Loaded failed(Path original, Path snapshot, FileTime modified, long size,
                                 PortcullisPluginManager manager, PluginStatus status) {
        return new Loaded(original, snapshot, modified, size, manager, status, Map.of(), Map.of());
    }

    /**
     * Copies a JAR before loading it. The JDK caches open JAR files by URL, so a plugin loaded again from the same
     * path after a replacement would read its resources from the old file; and an operator may overwrite or delete
     * the file in the folder while requests still run on the old version.
     */
    private Path snapshot(Path jar) throws IOException {
        if (snapshots == null) {
            snapshots = Files.createTempDirectory("portcullis-plugins-");
        }
        String name = jar.getFileName().toString();
        Path copy = snapshots.resolve(name.substring(0, name.length() - ".jar".length()) + "-" + ++snapshotCount
                + ".jar");
        Files.copy(jar, copy);
        return copy;
    }

    private static void deleteSnapshot(Path snapshot) {
        if (snapshot == null) {
            return;
        }
        try {
            Files.deleteIfExists(snapshot);
        } catch (IOException e) {
            log.debug("Plugin snapshot {} not deleted: {}", snapshot, e.getMessage());
        }
    }

    /** Stops and unloads plugin versions that {@link #sync()} retired, once no request runs on them. */
    public void unload(List<Retired> retired) {
        for (Retired old : retired) {
            unload(old.loaded);
        }
    }

    private static void unload(Loaded old) {
        if (old.manager() == null) {
            return;
        }
        unloadPlugins(old);
        deleteSnapshot(old.snapshot());
    }

    private static void unloadPlugins(Loaded old) {
        // Not stopPlugins(): PF4J 3.15.0's iterates the list it modifies (pf4j/pf4j#656). unloadPlugin stops first.
        for (PluginWrapper plugin : List.copyOf(old.manager().getPlugins())) {
            try {
                old.manager().unloadPlugin(plugin.getPluginId());
                log.info("Plugin {} ({}) stopped and unloaded", plugin.getPluginId(), old.status().file());
            } catch (RuntimeException e) {
                log.warn("Plugin {} did not stop cleanly", plugin.getPluginId(), e);
            }
        }
    }

    /** @return the policy factories by policy name (the first file, by name, wins a name two plugins contribute) */
    public synchronized Map<String, PolicyFactory<?>> policyFactories() {
        return merged(Loaded::policies, "policy");
    }

    /** @return the provider factories by provider type */
    public synchronized Map<String, ProviderFactory<?>> providerFactories() {
        return merged(Loaded::providers, "provider type");
    }

    private <F> Map<String, F> merged(java.util.function.Function<Loaded, Map<String, F>> contributions, String kind) {
        Map<String, F> registry = new LinkedHashMap<>();
        Map<String, String> owners = new LinkedHashMap<>();
        for (Loaded plugin : loaded.values()) {
            contributions.apply(plugin).forEach((name, factory) -> {
                F previous = registry.putIfAbsent(name, factory);
                if (previous == null) {
                    owners.put(name, plugin.status().file());
                } else {
                    log.error("Plugin file {} contributes {} '{}' that {} already contributes: keeping the first",
                            plugin.status().file(), kind, name, owners.get(name));
                }
            });
        }
        return Collections.unmodifiableMap(registry);
    }

    /** @return what became of each file in the folder */
    public synchronized List<PluginStatus> statuses() {
        return loaded.values().stream().map(Loaded::status).toList();
    }

    /**
     * @return the file name of the started plugin whose class loader loaded {@code type}, or {@code null} (a
     *         platform class, or a plugin since unloaded)
     */
    public synchronized String fileOf(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        for (Loaded plugin : loaded.values()) {
            if (loader != null && Objects.equals(plugin.classLoader(), loader)) {
                return plugin.status().file();
            }
        }
        return null;
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(PluginHost::unload);
        loaded.clear();
        if (snapshots != null) {
            deleteSnapshot(snapshots); // empty by now, unless a retired version's drain is still running
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
