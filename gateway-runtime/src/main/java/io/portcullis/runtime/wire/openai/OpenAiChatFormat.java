package io.portcullis.runtime.wire.openai;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.runtime.wire.WireFormat;

import java.nio.charset.StandardCharsets;

/**
 * OpenAI's {@code POST /v1/chat/completions}: the canonical model is OpenAI's schema, so this is {@link OpenAiCodec}
 * plus the stream's framing — one {@code data:} event per chunk, {@code data: [DONE]} last, and the usage chunk only
 * for a client that asked for it ({@code stream_options.include_usage}).
 */
public final class OpenAiChatFormat implements WireFormat {

    /** The path it serves. */
    public static final String PATH = "/v1/chat/completions";

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOTHING = new byte[0];

    private final OpenAiCodec codec;

    public OpenAiChatFormat(OpenAiCodec codec) {
        this.codec = codec;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public Decoded decode(byte[] body) {
        ChatRequest request = codec.decodeChat(body);
        boolean includeUsage = OpenAiCodec.wantsStreamUsage(request);
        return new ChatDecoded(request, codec::encode, () -> new Events(codec, includeUsage));
    }

    @Override
    public byte[] errorBody(GatewayException error, String requestId) {
        return OpenAiErrors.body(error);
    }

    private record Events(OpenAiCodec codec, boolean includeUsage) implements StreamEncoder {

        @Override
        public byte[] chunk(ChatChunk chunk) {
            ChatChunk outgoing = includeUsage ? chunk : withoutUsage(chunk);
            return outgoing == null ? NOTHING : codec.encodeEvent(outgoing);
        }

        @Override
        public byte[] end() {
            return DONE;
        }

        @Override
        public byte[] fail(GatewayException error) {
            byte[] event = OpenAiCodec.encodeErrorEvent(error);
            byte[] all = new byte[event.length + DONE.length];
            System.arraycopy(event, 0, all, 0, event.length);
            System.arraycopy(DONE, 0, all, event.length, DONE.length);
            return all;
        }

        /** Drops usage the client did not ask for; a chunk that carried nothing else is dropped whole. */
        private static ChatChunk withoutUsage(ChatChunk chunk) {
            if (chunk.usage() == null) {
                return chunk;
            }
            if (chunk.choices().isEmpty()) {
                return null;
            }
            return new ChatChunk(chunk.id(), chunk.object(), chunk.created(), chunk.model(), chunk.choices(), null,
                    chunk.extra());
        }
    }
}
