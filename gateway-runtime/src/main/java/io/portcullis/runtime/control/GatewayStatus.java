package io.portcullis.runtime.control;

import io.portcullis.runtime.plugins.PluginStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * What the health endpoints report: whether the gateway has finished starting, and what did not start.
 * Ready means the configuration was valid, the plugins folder was loaded and the listeners are open; a broken
 * plugin does not make the gateway unready (the routes that need it answer 503), it is listed as a problem.
 */
public final class GatewayStatus {

    private final AtomicBoolean ready = new AtomicBoolean();
    private volatile List<PluginStatus> plugins = List.of();
    private volatile List<String> problems = List.of();
    private final Map<String, BooleanSupplier> dependencies = new ConcurrentHashMap<>();

    /** Marks the gateway ready, with what it found while starting. */
    public void ready(List<PluginStatus> pluginStatuses, List<String> startProblems) {
        plugins = List.copyOf(pluginStatuses);
        problems = List.copyOf(startProblems);
        ready.set(true);
    }

    /** Marks the gateway as stopping: it no longer takes traffic. */
    public void stopping() {
        ready.set(false);
    }

    /**
     * Makes readiness depend on something that may go away while the gateway runs (the cluster member).
     *
     * @param problem what {@link #problems()} says while {@code up} is false
     */
    public void dependsOn(String problem, BooleanSupplier up) {
        dependencies.put(problem, up);
    }

    public boolean isReady() {
        return ready.get() && dependencies.values().stream().allMatch(BooleanSupplier::getAsBoolean);
    }

    public List<PluginStatus> plugins() {
        return plugins;
    }

    public List<String> problems() {
        List<String> now = new ArrayList<>(problems);
        dependencies.forEach((problem, up) -> {
            if (!up.getAsBoolean()) {
                now.add(problem);
            }
        });
        return now;
    }
}
