package io.portcullis.api.service;

/**
 * The gateway's shared upstream HTTP client: pooled connections, HTTP/1.1 and HTTP/2, the connect timeout from the
 * configuration ({@code upstream.connectTimeoutMs}).
 *
 * <p>Failures to reach the upstream are already mapped to {@link io.portcullis.api.error.GatewayException}s:
 * {@code UPSTREAM_UNAVAILABLE} (503) when the connection is refused or cannot be made, {@code UPSTREAM_TIMEOUT}
 * (504) when the upstream is silent for longer than the request's read timeout or the deadline passes. An HTTP
 * error status is not a failure here: the provider reads it and maps it.
 *
 * <pre>{@code
 * try (UpstreamResponse response = transport.send(UpstreamRequest.post(uri, json, headers, readTimeout, deadline))) {
 *     if (response.status() >= 400) throw mapError(response.status(), response.bodyAsString(64 * 1024));
 *     return mapper.readValue(response.body(), Answer.class);
 * }
 * }</pre>
 */
public interface HttpTransport {

    /**
     * Sends a request and blocks until the response's status and headers have arrived. The body is then read from
     * {@link UpstreamResponse#body()} as it arrives.
     *
     * @return the response, which the caller must close
     * @throws io.portcullis.api.error.GatewayException when the upstream cannot be reached or does not answer in time
     */
    UpstreamResponse send(UpstreamRequest request);

    /**
     * Sends a request and returns once its whole body has arrived, read into memory by the transport. For answers
     * that are read whole anyway (a JSON reply) this is cheaper than {@link #send}: the request's thread is woken
     * once, not for every piece of the body. The response's {@link UpstreamResponse#body()} then reads from memory,
     * and closing it releases nothing further.
     *
     * <p>The default sends with {@link #send} (a transport that cannot buffer is still correct).
     *
     * @param maxBodyBytes the largest body to accept; a larger one fails the call with {@code UPSTREAM_ERROR}
     * @throws io.portcullis.api.error.GatewayException when the upstream cannot be reached or does not answer in time
     */
    default UpstreamResponse exchange(UpstreamRequest request, int maxBodyBytes) {
        return send(request);
    }
}
