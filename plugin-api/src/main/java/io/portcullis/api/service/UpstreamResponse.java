package io.portcullis.api.service;

import java.io.InputStream;
import java.util.Optional;

/**
 * An upstream's response whose body is still arriving.
 *
 * <p>Closing it before the body has been read to the end aborts the exchange and closes the connection, which is
 * how a provider stops an upstream that streams to a client who went away. Reads from {@link #body()} that wait
 * longer than the request's read timeout fail with an {@link java.io.InterruptedIOException}.
 */
public interface UpstreamResponse extends AutoCloseable {

    /** @return the HTTP status */
    int status();

    /** @return the first value of a response header, or empty */
    Optional<String> header(String name);

    /** @return the body as it arrives */
    InputStream body();

    /**
     * Reads the body to its end, or to {@code maxBytes}, as UTF-8 text (for error messages).
     *
     * @throws io.portcullis.api.error.GatewayException when the upstream fails while sending it
     */
    String bodyAsString(int maxBytes);

    /** Releases the connection, aborting the exchange if the body has not been read to the end; idempotent. */
    @Override
    void close();
}
