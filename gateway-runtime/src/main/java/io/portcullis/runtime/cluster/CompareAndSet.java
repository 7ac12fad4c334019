package io.portcullis.runtime.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import java.io.Serial;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Replaces an entry's JSON only if it is still {@code expected}, with a new time-to-live, in one step on the key's
 * owner: the building block of {@link HazelcastSharedState}'s atomic update. Hazelcast replays it on the backup, where
 * the entry holds the same value, so both copies end the same.
 *
 * @param expected    the JSON read before the change, {@code null} for "no entry"
 * @param next        the JSON to store, {@code null} to remove the entry
 * @param ttlMillis   the new entry's time-to-live; 0 for none
 */
record CompareAndSet(String expected, String next, long ttlMillis)
        implements EntryProcessor<String, String, Boolean> {

    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (!Objects.equals(entry.getValue(), expected)) {
            return false;
        }
        if (next == null) {
            entry.setValue(null);
        } else if (entry instanceof ExtendedMapEntry<String, String> extended) {
            extended.setValue(next, ttlMillis, TimeUnit.MILLISECONDS);
        } else {
            entry.setValue(next);
        }
        return true;
    }
}
