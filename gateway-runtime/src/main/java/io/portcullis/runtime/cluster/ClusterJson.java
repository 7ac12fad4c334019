package io.portcullis.runtime.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.portcullis.runtime.json.Json;

/**
 * How values are written to the cluster: JSON text, so that only {@code String}s cross into Hazelcast (whose class
 * loader never sees a plugin's classes), with {@code java.time} types as ISO-8601 text and unknown properties
 * ignored, so that a value written by one version of a plugin is read by the next.
 */
final class ClusterJson {

    private static final ObjectMapper MAPPER = Json.mapper().copy()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ClusterJson() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot be stored as JSON: " + value.getClass().getName()
                    + ": " + e.getOriginalMessage(), e);
        }
    }

    static <V> V read(String json, Class<V> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored value no longer reads as " + type.getName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }
}
