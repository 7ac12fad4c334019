package io.portcullis.runtime.wire.openai;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.runtime.wire.WireFormat;

/** OpenAI's {@code POST /v1/embeddings}: vectors written as floats, or as base64 when the client asked for it. */
public final class OpenAiEmbeddingsFormat implements WireFormat {

    /** The path it serves. */
    public static final String PATH = "/v1/embeddings";

    private final OpenAiCodec codec;

    public OpenAiEmbeddingsFormat(OpenAiCodec codec) {
        this.codec = codec;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public Decoded decode(byte[] body) {
        OpenAiCodec.Embeddings embeddings = codec.decodeEmbeddings(body);
        return new Decoded() {
            @Override
            public EmbeddingRequest request() {
                return embeddings.request();
            }

            @Override
            public byte[] encode(EmbeddingResponse response) {
                return codec.encode(response, embeddings.base64());
            }
        };
    }

    @Override
    public byte[] errorBody(GatewayException error, String requestId) {
        return OpenAiErrors.body(error);
    }
}
