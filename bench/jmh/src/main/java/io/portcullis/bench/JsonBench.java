package io.portcullis.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The four JSON passes of one non-streamed chat completion through Portcullis (bench/run.sh's request and answer):
 * decode the client's request, encode it for the upstream, decode the upstream's answer, encode it for the client,
 * with the mapper configured as the runtime's ({@code plain}) and with Jackson's Blackbird module added.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms512m", "-Xmx512m"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class JsonBench {

    /** bench/lib/chat.lua's body. */
    private static final byte[] REQUEST = ("{\"model\":\"bench\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a "
            + "helpful assistant.\"},{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":64}")
            .getBytes(StandardCharsets.UTF_8);
    /** bench/nginx/upstream.conf's answer. */
    private static final byte[] ANSWER = ("{\"id\":\"chatcmpl-bench0001\",\"object\":\"chat.completion\",\"created\":"
            + "1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello! How can I help you today?\",\"refusal\":null},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":9,\"total_tokens\":30,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":"
            + "{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
            + "\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}")
            .getBytes(StandardCharsets.UTF_8);

    @Param({"plain", "blackbird"})
    public String mapper;

    private ObjectMapper json;
    private ObjectReader requests;
    private ObjectReader answers;
    private ChatRequest request;
    private ChatResponse answer;

    @Setup
    public void setUp() throws Exception {
        JsonMapper.Builder builder = JsonMapper.builder(JsonFactory.builder()
                        .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        if (mapper.equals("blackbird")) {
            builder.addModule(new BlackbirdModule());
        }
        json = builder.build();
        requests = json.readerFor(ChatRequest.class);
        answers = json.readerFor(ChatResponse.class);
        request = requests.readValue(REQUEST);
        answer = answers.readValue(ANSWER);
    }

    @Benchmark
    public ChatRequest decodeRequest() throws Exception {
        return requests.readValue(REQUEST);
    }

    @Benchmark
    public byte[] encodeRequest() throws Exception {
        return json.writeValueAsBytes(request);
    }

    @Benchmark
    public ChatResponse decodeAnswer() throws Exception {
        return answers.readValue(ANSWER);
    }

    @Benchmark
    public byte[] encodeAnswer() throws Exception {
        return json.writeValueAsBytes(answer);
    }
}
