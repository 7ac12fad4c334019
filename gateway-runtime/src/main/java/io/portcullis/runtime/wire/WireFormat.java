package io.portcullis.runtime.wire;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.GatewayRequest;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One client-facing wire format of the data plane, at one path: OpenAI's chat completions, OpenAI's embeddings,
 * Anthropic's messages. It is the only place that knows its dialect: it decodes a request body into the canonical
 * request, and writes the canonical replies, streams and errors back in the client's format. Everything between —
 * policies, the router, providers — is shared by every format, so every policy applies to every ingress unchanged.
 *
 * <p>Implementations are stateless and shared by all requests; per-request state (how the client asked its answer to
 * be written, where a stream stands) lives in the {@link Decoded} a call to {@link #decode} returns.
 */
public interface WireFormat {

    /** @return the data-plane path this format serves, such as {@code /v1/messages} */
    String path();

    /**
     * Decodes and validates a request body.
     *
     * @throws GatewayException with a 400 status and a message that names the field at fault
     */
    Decoded decode(byte[] body);

    /**
     * @param error     the failure
     * @param requestId the request's id, for formats whose error object carries it
     * @return the failure as this format's JSON error object
     */
    byte[] errorBody(GatewayException error, String requestId);

    /**
     * @return the response header under which this format's clients look for the request's id, besides the
     *         gateway's {@code x-request-id}; {@code null} when they read {@code x-request-id} itself
     */
    default String requestIdHeader() {
        return null;
    }

    /** A decoded request and how its answer is to be written. One per request, used by its thread only. */
    interface Decoded {

        /** @return the canonical request, for the pipeline */
        GatewayRequest request();

        /** @return a complete chat response as this format's JSON */
        default byte[] encode(ChatResponse response) {
            throw new IllegalStateException(getClass().getSimpleName() + " does not answer chat requests");
        }

        /** @return embeddings as this format's JSON */
        default byte[] encode(EmbeddingResponse response) {
            throw new IllegalStateException(getClass().getSimpleName() + " does not answer embedding requests");
        }

        /** @return a new writer for a streamed answer to this request */
        default StreamEncoder stream() {
            throw new IllegalStateException(getClass().getSimpleName() + " does not stream");
        }
    }

    /**
     * A decoded chat request, whatever the format: what differs is how an answer is written, whole or streamed.
     *
     * @param request the canonical request
     * @param encoder writes a complete answer as the format's JSON
     * @param streams makes the writer of a new stream
     */
    record ChatDecoded(ChatRequest request, Function<ChatResponse, byte[]> encoder, Supplier<StreamEncoder> streams)
            implements Decoded {

        @Override
        public byte[] encode(ChatResponse response) {
            return encoder.apply(response);
        }

        @Override
        public StreamEncoder stream() {
            return streams.get();
        }
    }

    /**
     * Writes one streamed answer as server-sent events, chunk by chunk. Stateful (a format may need to open and close
     * blocks around the chunks): one per stream, fed in order, then ended by exactly one of {@link #end} or
     * {@link #fail}.
     */
    interface StreamEncoder {

        /** @return the events for one canonical chunk; empty when it adds nothing the client should see */
        byte[] chunk(ChatChunk chunk);

        /** @return the events that end a stream that finished */
        byte[] end();

        /** @return the events that end a stream that failed after it started */
        byte[] fail(GatewayException error);
    }
}
