package io.portcullis.plugins.gemini;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.ChatResponseAssembler;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.services.JettyHttpTransport;
import io.portcullis.testkit.GeminiSimulator;
import io.portcullis.testkit.GeminiSimulator.Script;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.RecordedRequest;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.portcullis.plugins.gemini.GeminiRequestsTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

/** The provider against the Gemini simulator, through the runtime's real Jetty transport. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class GeminiProviderTest {

    private static final String KEY = "AIza-test-0123456789";
    private static final ChatRequest HELLO = ChatRequest.of("gemini-2.5-flash",
            List.of(Message.of(Message.SYSTEM, "Be brief."), Message.of(Message.USER, "hello there")));
    private static final Tool WEATHER = new Tool("function", new Tool.Function("get_weather", "The weather in a city",
            json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"), null, null), null);

    private static HttpClient client;
    private static JettyHttpTransport transport;

    private final GeminiSimulator gemini = GeminiSimulator.start().requireApiKey(KEY);
    private final Provider provider = new GeminiProviderFactory(transport)
            .create("gemini", GeminiConfig.of(gemini.baseUrl().toString(), KEY));

    @BeforeAll
    static void startClient() throws Exception {
        client = new HttpClient();
        client.setConnectTimeout(1_000);
        client.start();
        transport = new JettyHttpTransport(client);
    }

    @AfterAll
    static void stopClient() throws Exception {
        client.stop();
    }

    @AfterEach
    void stopSimulator() {
        gemini.close();
    }

    private static CallContext call() {
        return new CallContext("req-42", Instant.now().plusSeconds(20));
    }

    private static List<ChatChunk> drain(ChunkStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (stream) {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                chunks.add(chunk.get());
            }
        }
        return chunks;
    }

    private static ChatResponse assemble(List<ChatChunk> chunks) {
        ChatResponseAssembler assembler = new ChatResponseAssembler();
        chunks.forEach(assembler::add);
        return assembler.build();
    }

    @Test
    void a_chat_goes_to_generate_content_with_the_key_in_a_header_and_the_system_instruction() {
        ChatResponse response = provider.chat(HELLO, call());

        assertThat(response.text()).isEqualTo("echo: hello there");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(response.usage().completionTokens()).isPositive();
        RecordedRequest request = gemini.lastRequest();
        assertThat(request.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(request.query()).isNull();
        assertThat(request.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(request.body().at("/systemInstruction/parts/0/text").asText()).isEqualTo("Be brief.");
    }

    @Test
    void a_stream_arrives_in_pieces_with_a_finish_reason_and_a_last_usage_chunk() {
        gemini.script(Script.reply("one two three four"));

        List<ChatChunk> chunks = drain(provider.stream(HELLO, call()));

        assertThat(gemini.lastRequest().path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
        assertThat(gemini.lastRequest().query()).isEqualTo("alt=sse");
        assertThat(chunks).hasSize(5);
        assertThat(chunks.get(0).choices().get(0).delta().role()).isEqualTo("assistant");
        assertThat(chunks).map(ChatChunk::id).containsOnly(chunks.get(0).id());
        ChatChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().totalTokens()).isEqualTo(last.usage().promptTokens() + last.usage().completionTokens());
        ChatResponse assembled = assemble(chunks);
        assertThat(assembled.text()).isEqualTo("one two three four");
        assertThat(assembled.choices().get(0).finishReason()).isEqualTo("stop");
    }

    @Test
    void a_tool_round_trip_calls_the_function_and_sends_its_result_back_by_name() {
        gemini.scriptNext(Script.functionCall("get_weather", "{\"city\":\"Paris\"}"));
        ChatRequest ask = new ChatRequest("gemini-2.5-flash", List.of(Message.of(Message.USER, "Weather in Paris?")),
                null, null, null, null, null, null, List.of(WEATHER), null, null, null);

        ChatResponse called = provider.chat(ask, call());
        ToolCall toolCall = called.choices().get(0).message().toolCalls().get(0);
        List<Message> conversation = new ArrayList<>(ask.messages());
        conversation.add(called.choices().get(0).message());
        conversation.add(new Message(Message.TOOL, Content.text("{\"celsius\":21}"), null, null, toolCall.id(), null));
        ChatResponse answered = provider.chat(ask.withMessages(conversation), call());

        assertThat(called.choices().get(0).finishReason()).isEqualTo("tool_calls");
        assertThat(toolCall.function().name()).isEqualTo("get_weather");
        assertThat(toolCall.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(gemini.requests().get(0).body().at("/tools/0/functionDeclarations/0/name").asText())
                .isEqualTo("get_weather");
        assertThat(gemini.lastRequest().body().at("/contents/2/parts/0/functionResponse")).isEqualTo(json(
                "{\"name\":\"get_weather\",\"response\":{\"celsius\":21}}"));
        assertThat(answered.text()).isEqualTo("echo: {\"celsius\":21}");
    }

    @Test
    void a_streamed_function_call_arrives_whole_as_one_tool_call_delta() {
        gemini.script(Script.functionCalls(new Script.Call("get_weather", "{\"city\":\"Paris\"}"),
                new Script.Call("get_weather", "{\"city\":\"Rome\"}")));

        List<ChatChunk> chunks = drain(provider.stream(HELLO, call()));

        ChatResponse assembled = assemble(chunks);
        assertThat(assembled.choices().get(0).finishReason()).isEqualTo("tool_calls");
        assertThat(assembled.choices().get(0).message().toolCalls())
                .extracting(ToolCall::id, call -> call.function().arguments())
                .containsExactly(tuple("call_0_get_weather", "{\"city\":\"Paris\"}"),
                        tuple("call_1_get_weather", "{\"city\":\"Rome\"}"));
        assertThat(assembled.usage()).isNotNull();
    }

    @Test
    void a_safety_stop_is_a_content_filter_finish_whole_and_streamed() {
        gemini.script(Script.echo().withFinishReason("SAFETY"));

        ChatResponse whole = provider.chat(HELLO, call());
        ChatResponse streamed = assemble(drain(provider.stream(HELLO, call())));

        assertThat(whole.choices().get(0).finishReason()).isEqualTo("content_filter");
        assertThat(whole.choices().get(0).message().extra().get("refusal").asText()).contains("SAFETY");
        assertThat(streamed.choices().get(0).finishReason()).isEqualTo("content_filter");
    }

    @Test
    void a_blocked_prompt_is_a_content_filter_finish_whole_and_streamed() {
        gemini.script(Script.blockedPrompt("SAFETY"));

        ChatResponse whole = provider.chat(HELLO, call());
        List<ChatChunk> chunks = drain(provider.stream(HELLO, call()));

        assertThat(whole.choices().get(0).finishReason()).isEqualTo("content_filter");
        assertThat(whole.usage().promptTokens()).isPositive();
        assertThat(chunks.get(0).choices().get(0).finishReason()).isEqualTo("content_filter");
        assertThat(chunks.getLast().usage()).isNotNull();
    }

    @Test
    void resource_exhausted_is_a_429_with_the_retry_delay_as_retry_after() {
        gemini.scriptNext(Script.error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.")
                .withRetryDelay("6.5s"));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> provider.chat(HELLO, call()));

        assertThat(failure.status()).isEqualTo(429);
        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_REJECTED);
        assertThat(failure.getMessage()).isEqualTo("You exceeded your current quota.");
        assertThat(failure.headers()).containsEntry("Retry-After", "7");
    }

    @Test
    void invalid_argument_keeps_its_400_and_message() {
        gemini.scriptNext(Script.error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> provider.stream(HELLO, call()));

        assertThat(failure.status()).isEqualTo(400);
        assertThat(failure.getMessage()).isEqualTo("Request contains an invalid argument.");
    }

    @Test
    void unavailable_is_a_503_and_internal_a_502() {
        gemini.scriptNext(Script.error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."));
        gemini.scriptNext(Script.error(500, "INTERNAL", "An internal error has occurred."));

        GatewayException unavailable = catchThrowableOfType(GatewayException.class,
                () -> provider.chat(HELLO, call()));
        GatewayException internal = catchThrowableOfType(GatewayException.class, () -> provider.chat(HELLO, call()));

        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(internal.status()).isEqualTo(502);
    }

    @Test
    void a_wrong_key_is_the_gateways_credential_problem_and_the_key_is_never_in_the_message() {
        Provider wrong = new GeminiProviderFactory(transport)
                .create("gemini", GeminiConfig.of(gemini.baseUrl().toString(), "AIza-wrong-key"));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> wrong.chat(HELLO, call()));

        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).contains("credentials").doesNotContain("AIza-wrong-key");
        assertThat(gemini.lastRequest().query()).isNull();
    }

    @Test
    void no_openai_field_leaks_into_the_gemini_request() {
        ChatRequest request = new ChatRequest("gemini-2.5-flash", HELLO.messages(), true, 0.5, null, 64, null, null,
                null, null, "end-user-1", Map.of("stream_options", json("{\"include_usage\":true}"),
                "logprobs", json("true"), "parallel_tool_calls", json("false")));

        assertThat(assemble(drain(provider.stream(request, call()))).text()).isEqualTo("echo: hello there");
        assertThat(gemini.lastRequest().body().at("/generationConfig")).isEqualTo(json(
                "{\"temperature\":0.5,\"maxOutputTokens\":64}"));
    }

    @Test
    void embeddings_come_from_batch_embed_contents_in_input_order() {
        EmbeddingResponse response = provider.embed(new EmbeddingRequest("gemini-embedding-001",
                List.of("first", "second"), 32, null, null), call());

        assertThat(gemini.lastRequest().path()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(response.data()).hasSize(2);
        assertThat(response.data().get(1).vector()).containsExactly(OpenAiSimulator.embeddingOf("second", 32));
    }

    @Test
    void the_model_list_comes_from_the_upstream_without_the_models_prefix() {
        assertThat(provider.models()).extracting(ModelInfo::id)
                .containsExactly("gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001");
    }

    @Test
    void usage_is_reported_as_gemini_counted_it() {
        Usage usage = provider.chat(HELLO, call()).usage();

        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        assertThat(usage.promptTokens()).isPositive();
    }
}
