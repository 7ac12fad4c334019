package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;

/**
 * Turns Gemini's errors ({@code {"error": {"code", "message", "status", "details"}}}, Google's RPC status) into the
 * gateway's, with honest statuses: a request Gemini refused keeps its 4xx and message; a 429
 * ({@code RESOURCE_EXHAUSTED}) keeps its wait as {@code Retry-After}, from the header or the {@code RetryInfo} detail;
 * a refused key (Gemini says 400 {@code API_KEY_INVALID}, or 401/403) is the gateway's problem, a 502; {@code UNAVAILABLE}
 * is a 503, {@code DEADLINE_EXCEEDED} a 504, any other 5xx a 502. Messages never carry the key.
 */
final class GeminiErrors {

    /** Enough for any error object; a longer body is cut, never read whole. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    private GeminiErrors() {
    }

    static GatewayException fromStatus(String providerId, UpstreamResponse response) {
        int status = response.status();
        RpcStatus error = RpcStatus.parse(response.bodyAsString(ERROR_BODY_LIMIT));
        IOException cause = new IOException("provider '" + providerId + "': HTTP " + status + " " + error.status()
                + ": " + error.message());
        if (status == 401 || status == 403 || error.keyRejected()) {
            // Not the client's key: a 401 would send the client looking for a fault in its own credentials.
            return new GatewayException(ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR.status(),
                    "the upstream rejected the gateway's credentials for provider '" + providerId + "' (HTTP "
                            + status + "); the gateway's operator must check its apiKey",
                    null, Map.of(), new IOException("provider '" + providerId + "': HTTP " + status));
        }
        if (status >= 400 && status < 500) {
            String message = error.message() != null ? error.message()
                    : "the upstream rejected the request (HTTP " + status + ")";
            Map<String, String> headers = response.header("Retry-After").or(error::retryAfterSeconds)
                    .map(value -> Map.of("Retry-After", value)).orElse(Map.of());
            return new GatewayException(ErrorCode.UPSTREAM_REJECTED, status, message, null, headers, cause);
        }
        String what = " (HTTP " + status + (error.status() == null ? "" : " " + error.status()) + ")";
        if (status == 503) {
            return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream is unavailable" + what, cause);
        }
        if (status == 504) {
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "the upstream ran out of time" + what, cause);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream failed" + what, cause);
    }

    /** Maps a failure while the body of an accepted answer was arriving. */
    static GatewayException brokenBody(IOException failure) {
        if (failure instanceof InterruptedIOException) {
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT,
                    "the upstream went silent before its answer was complete", failure);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR,
                "the connection to the upstream broke before its answer was complete", failure);
    }

    /** Maps an answer that is not the JSON it should be. */
    static GatewayException unreadable(String what, Exception failure) {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream sent " + what
                + " that the gateway cannot read", failure);
    }

    /** Maps an error object that arrives inside a stream, after the status 200. */
    static GatewayException inStream(String providerId, JsonNode error) {
        RpcStatus status = RpcStatus.of(error);
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream failed in the middle of its answer",
                new IOException("provider '" + providerId + "': error event: " + status.status() + ": "
                        + status.message()));
    }

    /**
     * Google's RPC status as Gemini sends it.
     *
     * @param status  {@code INVALID_ARGUMENT}, {@code RESOURCE_EXHAUSTED}, ..., or {@code null}
     * @param message the message, or {@code null}
     * @param details the {@code details} array (possibly missing)
     */
    record RpcStatus(String status, String message, JsonNode details) {

        static RpcStatus parse(String body) {
            try {
                JsonNode root = GeminiProvider.JSON.readTree(body);
                if (root != null && root.isObject()) {
                    return of(root.path("error"));
                }
            } catch (JsonProcessingException notJson) {
                // A proxy's HTML page or plain text: there is no message to pass on.
            }
            return new RpcStatus(null, null, null);
        }

        static RpcStatus of(JsonNode error) {
            String message = error.path("message").asText("");
            return new RpcStatus(error.path("status").asText(null), message.isBlank() ? null : message,
                    error.get("details"));
        }

        /** Gemini answers a wrong key with 400 INVALID_ARGUMENT; only the detail's reason tells it apart. */
        boolean keyRejected() {
            if (details != null) {
                for (JsonNode detail : details) {
                    if (detail.path("reason").asText("").startsWith("API_KEY_")) {
                        return true;
                    }
                }
            }
            return "UNAUTHENTICATED".equals(status) || "PERMISSION_DENIED".equals(status);
        }

        /** The {@code RetryInfo} detail's {@code retryDelay} ({@code "37s"}, {@code "1.5s"}) as whole seconds. */
        Optional<String> retryAfterSeconds() {
            if (details != null) {
                for (JsonNode detail : details) {
                    String delay = detail.path("retryDelay").asText("");
                    if (delay.matches("\\d+(\\.\\d+)?s")) {
                        BigDecimal seconds = new BigDecimal(delay.substring(0, delay.length() - 1));
                        return Optional.of(seconds.setScale(0, RoundingMode.CEILING).toPlainString());
                    }
                }
            }
            return Optional.empty();
        }
    }
}
