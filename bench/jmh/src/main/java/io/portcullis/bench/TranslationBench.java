package io.portcullis.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One request through one provider adapter, upstream in memory: {@link #chat} writes the canonical request in the
 * adapter's wire format and reads a whole answer back; {@link #stream} does the same with a streamed answer of
 * {@link #PIECES} text pieces, read chunk by chunk. An adapter's benchmark extends this class and says how its
 * provider is built and what its upstream answers, the same answer for every adapter ({@link #ANSWER}), so that the
 * classes compare: {@code OpenAiTranslationBench} is the baseline, as OpenAI's format is the canonical one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms512m", "-Xmx512m"})
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class TranslationBench {

    /** For building the recorded answers, outside what is measured. */
    protected static final ObjectMapper JSON = new ObjectMapper();

    /** What every upstream answers: about 80 words, 450 characters. */
    protected static final String ANSWER = ("A portcullis is a heavy grille of wood or iron that slides down grooves in "
            + "the gateway of a castle to close it quickly. It was raised by chains and a windlass in a room above "
            + "the gate passage, and often paired with a drawbridge and murder holes. Many castles had two, so "
            + "that attackers could be trapped between them. The word comes from the Old French porte coleice, "
            + "a sliding gate, and it still appears in heraldry and on the badge of the House of Commons.");

    /** The answer cut into words, each with the space before it: how a stream delivers it. */
    protected static final List<String> PIECES = List.of(ANSWER.split("(?<=\\S)(?=\\s)"));

    /** A typical request: a system prompt, three turns with a tool call and its result, and one tool. */
    protected static final ChatRequest REQUEST = new ChatRequest("model-x", List.of(
            Message.of(Message.SYSTEM, "You are a concise assistant for a museum of medieval architecture."),
            Message.of(Message.USER, "Which castle near here has a working portcullis?"),
            new Message(Message.ASSISTANT, null, null, List.of(ToolCall.function("call_1", "find_castles",
                    "{\"near\":\"York\",\"feature\":\"portcullis\"}")), null, null),
            new Message(Message.TOOL, Content.text("[{\"name\":\"Clifford's Tower\",\"distance_km\":1.2}]"), null,
                    null, "call_1", null),
            Message.of(Message.USER, "And what is a portcullis, exactly?")),
            null, 0.7, null, 512, null, null,
            List.of(new Tool("function", new Tool.Function("find_castles", "Castles near a place",
                    JSON.createObjectNode().put("type", "object").set("properties", JSON.createObjectNode()
                            .set("near", JSON.createObjectNode().put("type", "string"))), null, null), null)),
            null, null, null);

    private static final CallContext CALL = new CallContext("bench", Instant.now().plusSeconds(86_400));

    private Provider provider;

    @Setup
    public void setUp() throws Exception {
        provider = provider(new CannedTransport(wholeAnswer(), streamedAnswer()));
    }

    /** @return the adapter's provider, calling {@code transport} */
    protected abstract Provider provider(HttpTransport transport);

    /** @return the upstream's whole answer with {@link #ANSWER}, in its wire format */
    protected abstract byte[] wholeAnswer() throws Exception;

    /** @return the upstream's event stream with {@link #PIECES}, in its wire format */
    protected abstract byte[] streamedAnswer() throws Exception;

    /** @return a JSON object node, for subclasses building answers */
    protected static ObjectNode object() {
        return JSON.createObjectNode();
    }

    @Benchmark
    public ChatResponse chat() {
        return provider.chat(REQUEST, CALL);
    }

    @Benchmark
    public void stream(Blackhole hole) {
        try (ChunkStream chunks = provider.stream(REQUEST.withStream(true), CALL)) {
            for (Optional<ChatChunk> chunk = chunks.next(); chunk.isPresent(); chunk = chunks.next()) {
                hole.consume(chunk.get());
            }
        }
    }
}
