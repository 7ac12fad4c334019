package io.portcullis.api.service;

import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Named maps shared by every node of the cluster (on a single node, by that node alone), with a time-to-live per
 * entry and atomic updates. What a plugin keeps here survives the death of any one node.
 *
 * <p>Values are a plugin's own types (records, strings): the runtime stores them as JSON and reads them back with
 * the type given to {@link #map}, so a plugin never needs a cluster library's serialisation and a value written by
 * one version of a plugin can be read by the next as long as its JSON shape is compatible.
 *
 * <pre>{@code
 * SharedMap<Session> sessions = sharedState.map("context-memory.sessions", Session.class);
 * sessions.update(sessionId, s -> s == null ? Session.start(msg) : s.plus(msg), Duration.ofHours(1));
 * }</pre>
 *
 * <p>Name maps after the plugin ({@code "<plugin>.<what>"}): the namespace is shared by all plugins.
 */
public interface SharedState {

    /**
     * @param name      the map's cluster-wide name
     * @param valueType the type of its values (a record, {@code String}, ...), bound with Jackson
     * @return the map; the same map is returned for the same name on every node
     */
    <V> SharedMap<V> map(String name, Class<V> valueType);

    /**
     * One named map. Every method is a cluster operation: at most one network round trip to the node owning the key.
     *
     * @param <V> the values' type
     */
    interface SharedMap<V> {

        /** @return the value under {@code key}, or empty when there is none or it has expired */
        Optional<V> get(String key);

        /**
         * Stores {@code value} under {@code key}.
         *
         * @param ttl how long the entry lives; {@code null} or zero for as long as the map lives
         */
        void put(String key, V value, Duration ttl);

        /**
         * Stores {@code value} unless the key already has one.
         *
         * @return the value that was already there, or empty when {@code value} was stored
         */
        Optional<V> putIfAbsent(String key, V value, Duration ttl);

        /** @return the value that was removed, or empty */
        Optional<V> remove(String key);

        /**
         * Atomically replaces the value under {@code key} with {@code change.apply(current)}; {@code current} is
         * {@code null} when there is none, and a {@code null} result removes the entry. Concurrent updates of the
         * same key from any node never lose one another: {@code change} may be called more than once, so it must
         * be a pure function of its argument.
         *
         * @param ttl the entry's time-to-live from now on; {@code null} or zero for none
         * @return the value stored, or {@code null} when the entry was removed
         */
        V update(String key, UnaryOperator<V> change, Duration ttl);
    }
}
