package io.portcullis.runtime.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.routing.RequestRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * One JSON line per data-plane request on the {@code portcullis.access} logger. It names the request, never its
 * content: no headers, no prompt, no key — only the caller's key id.
 */
final class AccessLog {

    private static final Logger log = LoggerFactory.getLogger("portcullis.access");

    private final boolean enabled;

    AccessLog(boolean enabled) {
        this.enabled = enabled && log.isInfoEnabled();
    }

    /** What one request did, gathered while it is served. */
    static final class Entry {
        final String requestId;
        final String method;
        final String path;
        final long startNanos = System.nanoTime();
        int status;
        String model;
        boolean stream;
        String principal;
        String provider;
        List<RequestRecord.Attempt> attempts = List.of();
        Integer promptTokens;
        Integer completionTokens;
        String errorCode;
        boolean clientGone;
        /** The router's record, read when the line is written: a stream's cost is known only at its end. */
        RequestRecord record;

        Entry(String requestId, String method, String path) {
            this.requestId = requestId;
            this.method = method;
            this.path = path;
        }
    }

    void write(Entry entry) {
        if (!enabled) {
            return;
        }
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = Json.mapper().getFactory().createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("ts", Instant.now().toString());
            json.writeStringField("request_id", entry.requestId);
            json.writeStringField("method", entry.method);
            json.writeStringField("path", entry.path);
            json.writeNumberField("status", entry.status);
            json.writeNumberField("duration_ms", (System.nanoTime() - entry.startNanos) / 1_000_000.0);
            optional(json, "model", entry.model);
            if (entry.stream) {
                json.writeBooleanField("stream", true);
            }
            optional(json, "principal", entry.principal);
            optional(json, "provider", entry.provider);
            if (!entry.attempts.isEmpty()) {
                json.writeArrayFieldStart("attempts");
                for (RequestRecord.Attempt attempt : entry.attempts) {
                    json.writeStartObject();
                    json.writeStringField("target", attempt.target());
                    json.writeStringField("outcome", attempt.outcome());
                    json.writeNumberField("status", attempt.status());
                    json.writeNumberField("ms", Math.round(attempt.latencyMs() * 100) / 100.0);
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            if (entry.promptTokens != null) {
                json.writeNumberField("prompt_tokens", entry.promptTokens);
                json.writeNumberField("completion_tokens", entry.completionTokens);
            }
            if (entry.record != null && entry.record.costUsd() != null) {
                json.writeNumberField("cost_usd", entry.record.costUsd());
            }
            optional(json, "error", entry.errorCode);
            if (entry.clientGone) {
                json.writeBooleanField("client_disconnected", true);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.info(line.toString());
    }

    private static void optional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
