package io.portcullis.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;
import io.portcullis.plugins.gemini.GeminiConfig;
import io.portcullis.plugins.gemini.GeminiProvider;
import io.portcullis.plugins.openai.OpenAiConfig;
import io.portcullis.plugins.openai.OpenAiProvider;
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

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the Gemini adapter's translation costs per request: the canonical request written as a
 * {@code GenerateContentRequest}, and Gemini's answer read back into a chat completion (or its SSE events into chunks),
 * against an in-memory transport that answers at once, so that only the plugin's own work is measured. The baseline
 * is provider-openai doing the same call with the same content: OpenAI's wire format is the canonical one, so its
 * cost is that of a call with no translation at all (the JSON written and read either way).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class GeminiTranslationBench {

    /** A realistic request: system prompt, three turns, a tool, sampling fields (about 1 KB of JSON). */
    static final String REQUEST = """
            {"model":"m","temperature":0.3,"max_completion_tokens":256,"messages":[
              {"role":"system","content":"You are a concise assistant for a travel agency. Answer in two sentences."},
              {"role":"user","content":"I want to visit Lisbon in March. What is the weather like then?"},
              {"role":"assistant","content":"Lisbon in March is mild, around 17 °C by day, with some rain."},
              {"role":"user","content":"Good. Which neighbourhoods should I stay in for food and walking?"}],
             "tools":[{"type":"function","function":{"name":"find_hotels","description":"Hotels in a district",
               "parameters":{"type":"object","properties":{"district":{"type":"string"},
               "nights":{"type":"integer"}},"required":["district"]}}}]}""";

    static final String OPENAI_ANSWER = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Stay in Alfama or Príncipe Real: both \
            are walkable, full of small restaurants, and close to the viewpoints.","refusal":null,"annotations":[]},
             "logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":118,"completion_tokens":27,"total_tokens":145,
              "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
              "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,
               "rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_1"}""";

    static final String GEMINI_ANSWER = """
            {"candidates":[{"content":{"parts":[{"text":"Stay in Alfama or Príncipe Real: both are walkable, full \
            of small restaurants, and close to the viewpoints."}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":118,"candidatesTokenCount":27,"totalTokenCount":145,
              "promptTokensDetails":[{"modality":"TEXT","tokenCount":118}]},
             "modelVersion":"gemini-2.5-flash","responseId":"abcdefghijklmnop"}""";

    static final String[] PIECES = {"Stay in Alfama", " or Príncipe Real:", " both are walkable,",
            " full of small restaurants,", " and close to the viewpoints."};

    private Provider openai;
    private Provider gemini;
    private Provider openaiStreaming;
    private Provider geminiStreaming;
    private ChatRequest request;
    private CallContext call;

    @Setup
    public void setUp() throws Exception {
        request = new ObjectMapper().readValue(REQUEST, ChatRequest.class);
        call = new CallContext("bench", Instant.now().plusSeconds(3600));
        openai = new OpenAiProvider("openai", OpenAiConfig.of("http://127.0.0.1:1/v1", "k"),
                new CannedTransport(OPENAI_ANSWER));
        gemini = new GeminiProvider("gemini", GeminiConfig.of("http://127.0.0.1:1/v1beta", "k"),
                new CannedTransport(GEMINI_ANSWER));
        openaiStreaming = new OpenAiProvider("openai", OpenAiConfig.of("http://127.0.0.1:1/v1", "k"),
                new CannedTransport(openAiEvents()));
        geminiStreaming = new GeminiProvider("gemini", GeminiConfig.of("http://127.0.0.1:1/v1beta", "k"),
                new CannedTransport(geminiEvents()));
    }

    @Benchmark
    public ChatResponse openaiChat() {
        return openai.chat(request, call);
    }

    @Benchmark
    public ChatResponse geminiChat() {
        return gemini.chat(request, call);
    }

    @Benchmark
    public void openaiStream(Blackhole sink) {
        drain(openaiStreaming.stream(request, call), sink);
    }

    @Benchmark
    public void geminiStream(Blackhole sink) {
        drain(geminiStreaming.stream(request, call), sink);
    }

    private static void drain(ChunkStream stream, Blackhole sink) {
        try (stream) {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                sink.consume(chunk.get());
            }
        }
    }

    /** OpenAI's stream of the same answer: a role chunk, the pieces, a finish chunk, a usage chunk, [DONE]. */
    static String openAiEvents() {
        String head = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":";
        StringBuilder events = new StringBuilder();
        events.append("data: ").append(head).append("{\"role\":\"assistant\",\"content\":\"\"},")
                .append("\"finish_reason\":null}],\"usage\":null}\n\n");
        for (String piece : PIECES) {
            events.append("data: ").append(head).append("{\"content\":\"").append(piece)
                    .append("\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        events.append("data: ").append(head).append("{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        events.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,")
                .append("\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":118,")
                .append("\"completion_tokens\":27,\"total_tokens\":145}}\n\n");
        return events.append("data: [DONE]\n\n").toString();
    }

    /** Gemini's stream of the same answer: one event per piece, the last with the finish reason and the usage. */
    static String geminiEvents() {
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < PIECES.length; i++) {
            boolean last = i == PIECES.length - 1;
            events.append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"").append(PIECES[i])
                    .append("\"}],\"role\":\"model\"}").append(last ? ",\"finishReason\":\"STOP\"" : "")
                    .append(",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":118,")
                    .append(last ? "\"candidatesTokenCount\":27,\"totalTokenCount\":145" : "\"totalTokenCount\":118")
                    .append("},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abcdefghijklmnop\"}\r\n\r\n");
        }
        return events.toString();
    }

    /** Answers every request at once with the same body, as an upstream on the same machine could not. */
    static final class CannedTransport implements HttpTransport {
        private final byte[] body;

        CannedTransport(String body) {
            this.body = body.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public UpstreamResponse send(UpstreamRequest request) {
            return new UpstreamResponse() {
                private final InputStream stream = new ByteArrayInputStream(body);

                @Override
                public int status() {
                    return 200;
                }

                @Override
                public Optional<String> header(String name) {
                    return Optional.empty();
                }

                @Override
                public InputStream body() {
                    return stream;
                }

                @Override
                public String bodyAsString(int maxBytes) {
                    return new String(body, StandardCharsets.UTF_8);
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
