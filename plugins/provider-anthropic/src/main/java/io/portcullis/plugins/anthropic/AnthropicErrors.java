package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.UpstreamResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;

/**
 * Turns what goes wrong with Anthropic into the gateway's errors, by Anthropic's error {@code type} (or, for a body
 * that is not Anthropic's error object, by the status):
 *
 * <table>
 *   <caption>Anthropic's errors and what the client gets</caption>
 *   <tr><th>Anthropic</th><th>client</th></tr>
 *   <tr><td>400 {@code invalid_request_error}, 404 {@code not_found_error}, 413 {@code request_too_large}</td>
 *       <td>the same status and Anthropic's message ({@code UPSTREAM_REJECTED}): the request is at fault</td></tr>
 *   <tr><td>401 {@code authentication_error}, 403 {@code permission_error}, 402 {@code billing_error}</td>
 *       <td>502 ({@code UPSTREAM_ERROR}): the gateway's own key or account is at fault, not the client's</td></tr>
 *   <tr><td>429 {@code rate_limit_error}</td><td>429 ({@code RATE_LIMITED}) with {@code Retry-After}</td></tr>
 *   <tr><td>529 {@code overloaded_error}</td><td>503 ({@code UPSTREAM_UNAVAILABLE}): a temporary state, worth a
 *       retry or a fallback</td></tr>
 *   <tr><td>504 {@code timeout_error}</td><td>504 ({@code UPSTREAM_TIMEOUT})</td></tr>
 *   <tr><td>500 {@code api_error} and other 5xx</td><td>502 ({@code UPSTREAM_ERROR})</td></tr>
 * </table>
 *
 * <p>An upstream {@code Retry-After} is kept on every error but the credential ones. Details go to the logged
 * cause; the credentials never appear anywhere.
 */
final class AnthropicErrors {

    /** Enough for any error object; a longer body is cut, never read whole. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    private AnthropicErrors() {
    }

    /** Maps an error status and its body, closing nothing (the caller owns the response). */
    static GatewayException fromStatus(String providerId, UpstreamResponse response) {
        JsonNode error = parse(response.bodyAsString(ERROR_BODY_LIMIT));
        Map<String, String> retryAfter = response.header("retry-after")
                .map(value -> Map.of("Retry-After", value)).orElse(Map.of());
        return mapped(providerId, response.status(), text(error, "type"), text(error, "message"), retryAfter);
    }

    /** Maps an {@code error} event that arrives inside a stream, after the status 200. */
    static GatewayException inStream(String providerId, JsonNode error) {
        String type = text(error, "type");
        return mapped(providerId, statusOf(type), type, text(error, "message"), Map.of());
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
    static GatewayException unreadable(String what, IOException failure) {
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream sent " + what
                + " that the gateway cannot read", failure);
    }

    private static GatewayException mapped(String providerId, int status, String type, String message,
                                            Map<String, String> retryAfter) {
        String kind = type != null ? type : typeOf(status);
        String said = message != null ? message : "HTTP " + status + " " + kind;
        IOException cause = new IOException("provider '" + providerId + "': HTTP " + status + " " + kind + ": "
                + said);
        String who = "provider '" + providerId + "'";
        return switch (kind) {
            case "invalid_request_error", "not_found_error", "request_too_large" -> new GatewayException(
                    ErrorCode.UPSTREAM_REJECTED, status / 100 == 4 ? status : statusOf(kind), said, null, retryAfter,
                    cause);
            case "authentication_error", "permission_error" -> new GatewayException(ErrorCode.UPSTREAM_ERROR,
                    ErrorCode.UPSTREAM_ERROR.status(), "the upstream rejected the gateway's credentials for " + who
                    + " (" + kind + "); the gateway's operator must check its apiKey", null, Map.of(),
                    // The upstream's message stays out of the log too, as it may quote part of the key.
                    new IOException(who + ": HTTP " + status + " " + kind));
            case "billing_error" -> new GatewayException(ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR.status(),
                    "the upstream refused " + who + " for a billing reason; the gateway's operator must check the "
                            + "account", null, Map.of(), cause);
            case "rate_limit_error" -> new GatewayException(ErrorCode.RATE_LIMITED, 429, who
                    + " is rate limiting the gateway: " + said, null, retryAfter, cause);
            case "overloaded_error" -> new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    ErrorCode.UPSTREAM_UNAVAILABLE.status(), who + " is overloaded; try again later", null,
                    retryAfter, cause);
            case "timeout_error" -> new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.UPSTREAM_TIMEOUT.status(),
                    who + " timed out before answering", null, retryAfter, cause);
            default -> status / 100 == 4
                    ? new GatewayException(ErrorCode.UPSTREAM_REJECTED, status, said, null, retryAfter, cause)
                    : new GatewayException(ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR.status(),
                    "the upstream failed (" + kind + ")", null, retryAfter, cause);
        };
    }

    /** The status Anthropic documents for an error type (for an error event, which has no status of its own). */
    private static int statusOf(String type) {
        return switch (type == null ? "" : type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /** The error type Anthropic documents for a status, for a body that names none (a proxy's page). */
    private static String typeOf(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> status / 100 == 4 ? "invalid_request_error" : "api_error";
        };
    }

    /** Anthropic's {@code {"type": "error", "error": {...}}}, or an empty object for anything else. */
    private static JsonNode parse(String body) {
        try {
            JsonNode root = AnthropicProvider.JSON.readTree(body);
            if (root != null && root.path("error").isObject()) {
                return root.get("error");
            }
        } catch (JsonProcessingException notJson) {
            // A proxy's HTML page or plain text: there is no message to pass on.
        }
        return AnthropicProvider.JSON.createObjectNode();
    }

    private static String text(JsonNode error, String field) {
        JsonNode value = error.get(field);
        return value == null || !value.isTextual() || value.asText().isBlank() ? null : value.asText();
    }
}
