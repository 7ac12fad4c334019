package io.portcullis.api.error;

import java.util.Map;

/**
 * A failure to report to the client: thrown by a policy or a provider, turned by the runtime into the client's wire
 * format (OpenAI's or Anthropic's error object) with {@link #status()} and {@link #headers()}.
 *
 * <p>The message goes to the client as it is: make it something a person can act on, and never put a secret, a key
 * or an upstream credential in it.
 *
 * <pre>{@code
 * // GOOD: a stable code, a message that says what to do
 * throw new GatewayException(ErrorCode.PERMISSION_DENIED, "this key may not use model 'gpt-4o'");
 * // BAD: an exception that the runtime can only report as a 500, with the API key in the message
 * throw new IllegalStateException("key " + apiKey + " not allowed");
 * }</pre>
 */
public class GatewayException extends RuntimeException {

    private final ErrorCode code;
    private final int status;
    private final String param;
    private final Map<String, String> headers;

    /** A failure with the code's default status. */
    public GatewayException(ErrorCode code, String message) {
        this(code, code.status(), message, null, Map.of(), null);
    }

    /** A failure with the code's default status and its cause (which is logged, never sent to the client). */
    public GatewayException(ErrorCode code, String message, Throwable cause) {
        this(code, code.status(), message, null, Map.of(), cause);
    }

    /**
     * The full form.
     *
     * @param code    the stable code
     * @param status  the HTTP status to answer with
     * @param message what the client reads
     * @param param   the request field at fault ({@code messages[0].role}), or {@code null}
     * @param headers response headers to add ({@code Retry-After}, ...)
     * @param cause   the cause, logged only, or {@code null}
     */
    public GatewayException(ErrorCode code, int status, String message, String param, Map<String, String> headers,
                            Throwable cause) {
        super(message, cause, false, cause != null);
        this.code = code;
        this.status = status;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    /** @return the stable code */
    public ErrorCode code() {
        return code;
    }

    /** @return the HTTP status to answer with */
    public int status() {
        return status;
    }

    /** @return the request field at fault, or {@code null} */
    public String param() {
        return param;
    }

    /** @return response headers to add */
    public Map<String, String> headers() {
        return headers;
    }
}
