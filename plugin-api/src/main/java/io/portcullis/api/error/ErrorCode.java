package io.portcullis.api.error;

/**
 * The stable codes of every failure the gateway reports, each with its default HTTP status and the OpenAI error
 * {@code type} it is written with. Clients may branch on the code; operators grep logs for it.
 */
public enum ErrorCode {
    /** The request is malformed: bad JSON, a wrong type, a missing field. */
    INVALID_REQUEST(400, "invalid_request_error"),
    /** No credentials, or credentials that do not open anything. */
    UNAUTHENTICATED(401, "authentication_error"),
    /** Valid credentials that do not allow this request (a model outside the key's allow-list, say). */
    PERMISSION_DENIED(403, "permission_error"),
    /** No such model, route or resource. */
    NOT_FOUND(404, "not_found_error"),
    /** The body is larger than {@code server.maxBodyBytes}. */
    PAYLOAD_TOO_LARGE(413, "invalid_request_error"),
    /** A request or token budget is spent; the exception carries {@code Retry-After}. */
    RATE_LIMITED(429, "rate_limit_error"),
    /** A bug or unexpected failure inside the gateway or a plugin. */
    INTERNAL(500, "server_error"),
    /** The upstream rejected the request for a reason of its own (the status may be any 4xx the upstream gave). */
    UPSTREAM_REJECTED(400, "invalid_request_error"),
    /** The upstream failed (a 5xx or a broken answer). */
    UPSTREAM_ERROR(502, "upstream_error"),
    /** The upstream could not be reached, or no provider is available for the model. */
    UPSTREAM_UNAVAILABLE(503, "upstream_unavailable"),
    /** The upstream did not answer in time, or the request's deadline passed. */
    UPSTREAM_TIMEOUT(504, "upstream_timeout");

    private final int status;
    private final String type;

    ErrorCode(int status, String type) {
        this.status = status;
        this.type = type;
    }

    /** @return the HTTP status this code is reported with, unless the exception says otherwise */
    public int status() {
        return status;
    }

    /** @return the OpenAI error {@code type} */
    public String type() {
        return type;
    }

    /** @return the code as clients see it in {@code error.code}: the constant's name in lower case */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
