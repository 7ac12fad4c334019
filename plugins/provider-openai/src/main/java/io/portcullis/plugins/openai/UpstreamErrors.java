package io.portcullis.plugins.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;

/**
 * Turns what goes wrong with an OpenAI-compatible upstream into the gateway's errors, with messages fit for the
 * client: the upstream's own message for a request it rejected, a generic one otherwise. Details go to the logged
 * cause, never the credentials.
 */
final class UpstreamErrors {

    /** Enough for any error object; a longer body is cut, never read whole. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    private UpstreamErrors() {
    }

    /**
     * Maps an error status: a 4xx keeps its status and the upstream's message ({@code UPSTREAM_REJECTED}), except
     * 401 and 403, which are about the gateway's own credentials and so a 502; everything else is a 502. An upstream
     * {@code Retry-After} is kept on a 429 and a 5xx.
     */
    static GatewayException fromStatus(String providerId, UpstreamResponse response) {
        int status = response.status();
        WireError error = WireError.parse(response.bodyAsString(ERROR_BODY_LIMIT));
        if (status == 401 || status == 403) {
            // Not the client's key: saying 401 would send the client looking for a fault in its own credentials. The
            // upstream's message stays out of the log too, as it may quote part of the key.
            return new GatewayException(ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR.status(),
                    "the upstream rejected the gateway's credentials for provider '" + providerId + "' (HTTP "
                            + status + "); the gateway's operator must check its apiKey",
                    null, Map.of(), new IOException("provider '" + providerId + "': HTTP " + status));
        }
        IOException cause = new IOException("provider '" + providerId + "': HTTP " + status + ": " + error.message());
        // Kept on a 429 and a 5xx alike (a 503 for maintenance says when to come back): the router waits for it
        // before trying the upstream again, and the client sees it if every target failed.
        Map<String, String> headers = response.header("Retry-After")
                .map(value -> Map.of("Retry-After", value)).orElse(Map.of());
        if (status >= 400 && status < 500) {
            String message = error.message() != null ? error.message()
                    : "the upstream rejected the request (HTTP " + status + ")";
            return new GatewayException(ErrorCode.UPSTREAM_REJECTED, status, message, error.param(), headers, cause);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR.status(),
                "the upstream failed (HTTP " + status + ")", null, headers, cause);
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
    static GatewayException unreadable(String what, JsonProcessingException failure) {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream sent " + what
                + " that the gateway cannot read", failure);
    }

    /** Maps an error object that arrives inside a stream, after the status 200. */
    static GatewayException inStream(String providerId, JsonNode error) {
        WireError wire = WireError.of(error);
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream failed in the middle of its answer",
                new IOException("provider '" + providerId + "': error event: " + wire.message()));
    }

    /**
     * The error object of OpenAI ({@code {"error": {"message", "type", "param", "code"}}}) and of the servers that
     * imitate it loosely ({@code {"error": "text"}}, or vLLM's older {@code {"object": "error", "message": ...}}).
     */
    record WireError(String message, String param) {

        static WireError parse(String body) {
            try {
                JsonNode root = OpenAiProvider.JSON.readTree(body);
                if (root != null && root.isObject()) {
                    return of(root.has("error") ? root.get("error") : root);
                }
            } catch (JsonProcessingException notJson) {
                // A proxy's HTML page or plain text: there is no message to pass on.
            }
            return new WireError(null, null);
        }

        static WireError of(JsonNode error) {
            if (error.isTextual()) {
                return new WireError(error.asText(), null);
            }
            return new WireError(text(error.get("message")), text(error.get("param")));
        }

        private static String text(JsonNode node) {
            return node == null || !node.isValueNode() || node.isNull() || node.asText().isBlank() ? null
                    : node.asText();
        }
    }
}
