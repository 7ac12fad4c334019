package io.portcullis.api.provider;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.ModelInfo;

import java.util.List;

/**
 * One configured upstream: turns canonical requests into calls in its wire format.
 *
 * <p>Methods run on the request's virtual thread and block until the upstream answers. They must respect
 * {@link CallContext#deadline()} and report failures as {@link GatewayException}s with an honest code: the
 * upstream's 4xx as {@link ErrorCode#UPSTREAM_REJECTED} with its status and message, a 5xx as
 * {@link ErrorCode#UPSTREAM_ERROR}, a timeout as {@link ErrorCode#UPSTREAM_TIMEOUT}, a refused connection as
 * {@link ErrorCode#UPSTREAM_UNAVAILABLE}. Messages never contain the upstream's credentials.
 *
 * <p>The request's {@code model} is already the upstream's model name; the router restores the public name in
 * the reply.
 */
public interface Provider extends AutoCloseable {

    /** Answers a chat request whole. */
    ChatResponse chat(ChatRequest request, CallContext call);

    /**
     * Starts a streamed answer. Returns once the upstream has accepted the request (so that an error before the
     * first chunk is still a proper HTTP error); chunks are then read with {@link ChunkStream#next()}.
     */
    ChunkStream stream(ChatRequest request, CallContext call);

    /** Embeds texts; providers without an embeddings API keep this default, which answers 400. */
    default EmbeddingResponse embed(EmbeddingRequest request, CallContext call) {
        throw new GatewayException(ErrorCode.INVALID_REQUEST,
                "model '" + request.model() + "' does not support embeddings");
    }

    /** @return the models the upstream offers, as far as it says; may be empty */
    List<ModelInfo> models();

    /** Releases what the provider holds; called when the configuration is reloaded or the gateway stops. */
    @Override
    default void close() {
    }
}
