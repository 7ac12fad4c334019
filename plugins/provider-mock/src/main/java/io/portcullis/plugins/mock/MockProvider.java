package io.portcullis.plugins.mock;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.Tokenizer;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A provider that answers without an upstream, deterministically, so that tests (and a gateway with no provider
 * keys) can see exactly what reached the provider.
 *
 * <ul>
 *   <li>A chat reply is {@link #REPLY_PREFIX} followed by the last user message's text, verbatim, with
 *       {@code finish_reason: stop}; its id is {@code chatcmpl-mock-} and a hash of the reply, so the same reply has
 *       the same id.</li>
 *   <li>A stream says the same: a first chunk with the {@code assistant} role, the reply in
 *       {@link MockConfig#chunks()} even pieces with {@link MockConfig#chunkDelayMs()} between chunks, and a last
 *       chunk with {@code finish_reason: stop} and the usage.</li>
 *   <li>Usage comes from the platform's {@link Tokenizer}: prompt tokens as {@link Tokenizer#countPrompt} estimates
 *       them, completion tokens as the reply's count.</li>
 *   <li>Embeddings are unit vectors seeded by each text's hash: the same text always gets the same vector.</li>
 * </ul>
 *
 * <p>Any model name is answered (the reply names the model asked for); {@link #models()} lists the configured ids.
 * Thread-safe: it holds only its configuration.
 */
public final class MockProvider implements Provider {

    /** What every chat reply starts with; the last user message's text follows it unchanged. */
    public static final String REPLY_PREFIX = "You said: ";

    /** What every completion id starts with; a hash of the reply follows. */
    public static final String ID_PREFIX = "chatcmpl-mock-";

    static final String FINISH_REASON = "stop";

    private final String id;
    private final MockConfig config;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private final List<ModelInfo> models;

    /**
     * @param id        the {@code providers:} entry's id
     * @param config    the entry's settings
     * @param tokenizer counts the usage
     * @param clock     gives the {@code created} timestamps
     */
    MockProvider(String id, MockConfig config, Tokenizer tokenizer, Clock clock) {
        this.id = Objects.requireNonNull(id, "id");
        this.config = Objects.requireNonNull(config, "config");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.clock = Objects.requireNonNull(clock, "clock");
        long created = clock.instant().getEpochSecond();
        this.models = config.models().stream().map(model -> ModelInfo.of(model, created, id)).toList();
    }

    @Override
    public ChatResponse chat(ChatRequest request, CallContext call) {
        Answer answer = answer(request);
        return ChatResponse.ofText(answer.id(), answer.created(), request.model(), answer.text(), FINISH_REASON,
                answer.usage());
    }

    @Override
    public ChunkStream stream(ChatRequest request, CallContext call) {
        Answer answer = answer(request);
        List<ChatChunk> chunks = new ArrayList<>(config.chunks() + 2);
        chunks.add(chunk(answer, request.model(), new ChatChunk.Delta(Message.ASSISTANT, "", null, null), null,
                null));
        for (String piece : TextPieces.split(answer.text(), config.chunks())) {
            chunks.add(ChatChunk.ofText(answer.id(), answer.created(), request.model(), piece));
        }
        chunks.add(chunk(answer, request.model(), new ChatChunk.Delta(null, null, null, null), FINISH_REASON,
                answer.usage()));
        return new MockChunkStream(id, chunks, Duration.ofMillis(config.chunkDelayMs()), call);
    }

    @Override
    public EmbeddingResponse embed(EmbeddingRequest request, CallContext call) {
        if (request.input() == null || request.input().isEmpty()) {
            throw invalid("input must contain at least one text", "input");
        }
        int dimensions = config.embeddingDimensions();
        if (request.dimensions() != null) {
            try {
                MockConfig.checkDimensions("dimensions", request.dimensions());
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage(), "dimensions");
            }
            dimensions = request.dimensions();
        }
        List<EmbeddingResponse.Embedding> data = new ArrayList<>(request.input().size());
        int promptTokens = 0;
        for (String text : request.input()) {
            data.add(new EmbeddingResponse.Embedding(data.size(), MockEmbeddings.vector(text, dimensions)));
            promptTokens += tokenizer.count(request.model(), text);
        }
        return new EmbeddingResponse(request.model(), data, Usage.of(promptTokens, 0));
    }

    @Override
    public List<ModelInfo> models() {
        return models;
    }

    private Answer answer(ChatRequest request) {
        if (request.messages() == null || request.messages().isEmpty()) {
            throw invalid("messages must contain at least one message", "messages");
        }
        String text = REPLY_PREFIX + request.lastUserText();
        Usage usage = Usage.of(tokenizer.countPrompt(request), tokenizer.count(request.model(), text));
        return new Answer(ID_PREFIX + ContentHash.hex(text), clock.instant().getEpochSecond(), text, usage);
    }

    private static ChatChunk chunk(Answer answer, String model, ChatChunk.Delta delta, String finishReason,
                                   Usage usage) {
        return new ChatChunk(answer.id(), ChatChunk.OBJECT, answer.created(), model,
                List.of(new ChatChunk.Choice(0, delta, finishReason, null)), usage, null);
    }

    private static GatewayException invalid(String message, String param) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST.status(), message, param,
                Map.of(), null);
    }

    /** One reply, shared by the complete and the streamed form so that both say exactly the same. */
    private record Answer(String id, long created, String text, Usage usage) {
    }
}
