package io.portcullis.runtime.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.portcullis.api.service.SharedState;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * {@link SharedState} on Hazelcast maps of JSON text ({@code IMap<String, String>}), one per name, each under the
 * {@code state.} prefix so that plugins' names cannot collide with the runtime's own maps. Atomic updates are
 * optimistic: read, apply the plugin's function here (its classes never leave this node), then
 * {@link CompareAndSet} on the key's owner, again if another node got there first.
 */
public final class HazelcastSharedState implements SharedState {

    static final String PREFIX = "state.";

    private final HazelcastInstance hazelcast;
    /** Plugins call from request threads, a new virtual thread each: see {@link ClusterCallThreads}. */
    private final ClusterCallThreads calls = new ClusterCallThreads("portcullis-shared-state");

    public HazelcastSharedState(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public <V> SharedMap<V> map(String name, Class<V> valueType) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a shared map needs a name, such as \"<plugin>.<what>\"");
        }
        return new JsonMap<>(hazelcast.getMap(PREFIX + name), Objects.requireNonNull(valueType, "valueType"), calls);
    }

    private record JsonMap<V>(IMap<String, String> map, Class<V> type, ClusterCallThreads calls) implements SharedMap<V> {

        @Override
        public Optional<V> get(String key) {
            return Optional.ofNullable(calls.call(() -> map.get(key))).map(this::read);
        }

        @Override
        public void put(String key, V value, Duration ttl) {
            String json = ClusterJson.write(Objects.requireNonNull(value, "value"));
            long ttlMillis = millis(ttl);
            calls.call(() -> {
                map.set(key, json, ttlMillis, TimeUnit.MILLISECONDS);
                return null;
            });
        }

        @Override
        public Optional<V> putIfAbsent(String key, V value, Duration ttl) {
            String json = ClusterJson.write(Objects.requireNonNull(value, "value"));
            long ttlMillis = millis(ttl);
            String previous = calls.call(() -> map.putIfAbsent(key, json, ttlMillis, TimeUnit.MILLISECONDS));
            return Optional.ofNullable(previous).map(this::read);
        }

        @Override
        public Optional<V> remove(String key) {
            return Optional.ofNullable(calls.call(() -> map.remove(key))).map(this::read);
        }

        @Override
        public V update(String key, UnaryOperator<V> change, Duration ttl) {
            long ttlMillis = millis(ttl);
            while (true) {
                // The plugin's change runs on its own thread, only the cluster calls on the call threads.
                String current = calls.call(() -> map.get(key));
                V next = change.apply(current == null ? null : read(current));
                String nextJson = next == null ? null : ClusterJson.write(next);
                if (current == null && nextJson == null) {
                    return null;
                }
                CompareAndSet compareAndSet = new CompareAndSet(current, nextJson, ttlMillis);
                if (calls.call(() -> map.executeOnKey(key, compareAndSet))) {
                    return next;
                }
            }
        }

        private V read(String json) {
            return ClusterJson.read(json, type);
        }

        /** Hazelcast reads a TTL of 0 as "for as long as the map lives". */
        private static long millis(Duration ttl) {
            if (ttl == null) {
                return 0;
            }
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("ttl: expected a positive duration or zero, got " + ttl);
            }
            // Hazelcast rounds a TTL below its unit to "none": keep at least one millisecond.
            return ttl.isZero() ? 0 : Math.max(1, ttl.toMillis());
        }
    }
}
