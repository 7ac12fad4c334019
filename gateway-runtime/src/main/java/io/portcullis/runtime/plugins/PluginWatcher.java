package io.portcullis.runtime.plugins;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Watches the plugins folder and calls back once it has settled after a change to a JAR: each further event restarts
 * the quiet period, so that a JAR still being copied (one event per written block) is read only once it is whole.
 */
public final class PluginWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginWatcher.class);

    private final WatchService watcher;
    private final Thread thread;

    private PluginWatcher(WatchService watcher, Path folder, Duration settle, Runnable onChange) {
        this.watcher = watcher;
        this.thread = Thread.ofPlatform().daemon().name("portcullis-plugin-watcher")
                .start(() -> watch(folder, settle, onChange));
    }

    /**
     * Starts watching.
     *
     * @param settle   how long the folder must stay quiet after a change
     * @param onChange what to run then (a reload)
     * @return the watcher, or {@code null} when the folder cannot be watched (it does not exist): logged
     */
    public static PluginWatcher start(Path folder, Duration settle, Runnable onChange) {
        try {
            WatchService watcher = FileSystems.getDefault().newWatchService();
            folder.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            log.info("Watching {} for plugin JARs added, replaced or removed (settle {} ms)", folder,
                    settle.toMillis());
            return new PluginWatcher(watcher, folder, settle, onChange);
        } catch (IOException e) {
            log.warn("Plugins folder {} cannot be watched ({}): use POST /admin/plugins/reload after a change",
                    folder, e.getMessage());
            return null;
        }
    }

    private void watch(Path folder, Duration settle, Runnable onChange) {
        try {
            while (true) {
                if (!jarChanged(watcher.take())) {
                    continue;
                }
                // Quiet period: keep consuming events until none comes for `settle`.
                WatchKey next;
                while ((next = watcher.poll(settle.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                    jarChanged(next);
                }
                try {
                    onChange.run();
                } catch (RuntimeException e) {
                    log.error("Reloading the plugins of {} failed", folder, e);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: the gateway is stopping
        }
    }

    /** Consumes a key's events; @return whether one concerned a JAR (or events were lost) */
    private static boolean jarChanged(WatchKey key) {
        boolean jar = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            jar |= event.kind() == StandardWatchEventKinds.OVERFLOW
                    || event.context().toString().endsWith(".jar");
        }
        key.reset();
        return jar;
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
