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

    /**
     * Closes a response whose answer the caller has read to its natural end: its terminal event (OpenAI's
     * {@code data: [DONE]}, Anthropic's {@code message_stop}), while the end of the body itself (a chunked body's
     * terminator) may still be on its way. Where {@link #close()} aborts at once a body not read to its end, this lets
     * the transport wait a little for that end, without blocking the caller, so that the connection serves another
     * call instead of being closed. A body that does not end soon is aborted all the same. Idempotent, and a no-op
     * after {@link #close()}; a stream abandoned before its terminal event must call {@link #close()} instead.
     *
     * <p>GOOD: {@code if (sawTerminalEvent) response.closeAtEnd(); else response.close();}
     * <br>BAD: calling it for a stream the client abandoned: the upstream would go on generating until the wait ends.
     *
     * <p>The default closes.
     */
    default void closeAtEnd() {
        close();
    }
}
