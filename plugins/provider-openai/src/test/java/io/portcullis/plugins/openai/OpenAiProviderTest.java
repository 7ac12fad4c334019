package io.portcullis.plugins.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
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
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.services.JettyHttpTransport;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.RecordedRequest;
import io.portcullis.testkit.OpenAiSimulator.Script;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class OpenAiProviderTest {

    private static final String KEY = "sk-test-0123456789abcdef";
    private static final ChatRequest HELLO = ChatRequest.of("gpt-4o-mini",
            List.of(Message.of(Message.SYSTEM, "Be brief."), Message.of(Message.USER, "hello there")));
    private static final Tool WEATHER = new Tool("function", new Tool.Function("get_weather", "The weather in a city",
            OpenAiProvider.JSON.createObjectNode().put("type", "object"), null, null), null);

    private static HttpClient client;
    private static JettyHttpTransport transport;

    private final OpenAiSimulator openai = OpenAiSimulator.start().requireApiKey(KEY);

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
        openai.close();
    }

    private Provider provider(OpenAiConfig config) {
        return new OpenAiProviderFactory(transport).create("openai", config);
    }

    private Provider provider() {
        return provider(new OpenAiConfig(openai.baseUrl().toString(), KEY, "org-test",
                Map.of("OpenAI-Project", "proj_test"), null, null));
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

    private static ChatResponse assembled(List<ChatChunk> chunks) {
        ChatResponseAssembler assembler = new ChatResponseAssembler();
        chunks.forEach(assembler::add);
        return assembler.build();
    }

    private GatewayException chatFailure(Provider provider) {
        return catchThrowableOfType(GatewayException.class, () -> provider.chat(HELLO, call()));
    }

    @Test
    void a_chat_returns_the_upstream_s_answer_and_usage() {
        ChatResponse response = provider().chat(HELLO, call());

        assertThat(response.text()).isEqualTo("echo: hello there");
        assertThat(response.id()).startsWith("chatcmpl-");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(response.usage().promptTokens()).isPositive();
        assertThat(response.usage().totalTokens())
                .isEqualTo(response.usage().promptTokens() + response.usage().completionTokens());
        assertThat(response.extra()).containsKey("system_fingerprint");
    }

    @Test
    void a_chat_request_carries_the_credentials_the_configured_headers_and_the_request_id() {
        provider().chat(HELLO, call());

        RecordedRequest request = openai.lastRequest();
        assertThat(request.path()).isEqualTo("/v1/chat/completions");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(request.header("OpenAI-Organization")).isEqualTo("org-test");
        assertThat(request.header("OpenAI-Project")).isEqualTo("proj_test");
        assertThat(request.header("X-Client-Request-Id")).isEqualTo("req-42");
        assertThat(request.header("Content-Type")).startsWith("application/json");
        assertThat(request.body().path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(request.body().path("stream").asBoolean(true)).isFalse();
    }

    @Test
    void a_multi_turn_conversation_reaches_the_upstream_unchanged_with_the_fields_the_gateway_does_not_model() {
        ChatRequest conversation = ChatRequest.of("gpt-4o-mini", List.of(
                        Message.of(Message.SYSTEM, "You count."),
                        Message.of(Message.USER, "one"),
                        new Message(Message.ASSISTANT, Content.text("two"), "counter", null, null, null),
                        Message.of(Message.USER, "three")))
                .withExtra(Map.of("seed", IntNode.valueOf(7),
                        "response_format", OpenAiProvider.JSON.createObjectNode().put("type", "text")));

        ChatResponse response = provider().chat(conversation, call());

        assertThat(response.text()).isEqualTo("echo: three");
        JsonNode sent = openai.lastRequest().body();
        assertThat(sent.path("messages").findValuesAsText("role"))
                .containsExactly("system", "user", "assistant", "user");
        assertThat(sent.path("messages").findValuesAsText("content")).containsExactly("You count.", "one", "two",
                "three");
        assertThat(sent.at("/messages/2/name").asText()).isEqualTo("counter");
        assertThat(sent.path("seed").asInt()).isEqualTo(7);
        assertThat(sent.at("/response_format/type").asText()).isEqualTo("text");
    }

    @Test
    void stream_options_from_a_client_are_dropped_from_a_whole_answer_as_openai_would_reject_them() {
        ChatRequest withOptions = HELLO.withExtra(Map.of("stream_options",
                OpenAiProvider.JSON.createObjectNode().put("include_usage", true)));

        ChatResponse response = provider().chat(withOptions, call());

        assertThat(response.text()).isEqualTo("echo: hello there");
        assertThat(openai.lastRequest().body().has("stream_options")).isFalse();
    }

    @Test
    void a_tool_call_goes_round_trip() {
        openai.scriptNext(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"));
        ChatRequest ask = ChatRequest.of("gpt-4o-mini", List.of(Message.of(Message.USER, "Weather in Paris?")));
        ask = new ChatRequest(ask.model(), ask.messages(), null, null, null, null, null, null, List.of(WEATHER),
                OpenAiProvider.JSON.getNodeFactory().textNode("auto"), null, null);
        Provider provider = provider();

        ChatResponse called = provider.chat(ask, call());

        Message assistant = called.choices().get(0).message();
        assertThat(called.choices().get(0).finishReason()).isEqualTo("tool_calls");
        assertThat(assistant.toolCalls()).singleElement().satisfies(toolCall -> {
            assertThat(toolCall.id()).isEqualTo("call_get_weather");
            assertThat(toolCall.function().name()).isEqualTo("get_weather");
            assertThat(toolCall.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
        JsonNode firstSent = openai.lastRequest().body();
        assertThat(firstSent.at("/tools/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(firstSent.at("/tools/0/function/parameters/type").asText()).isEqualTo("object");
        assertThat(firstSent.path("tool_choice").asText()).isEqualTo("auto");

        List<Message> answered = new ArrayList<>(ask.messages());
        answered.add(assistant);
        answered.add(new Message(Message.TOOL, Content.text("18 degrees, sunny"), null, null,
                assistant.toolCalls().get(0).id(), null));
        ChatResponse answer = provider.chat(ask.withMessages(answered), call());

        // The simulator, like OpenAI, refuses a tool message whose call it cannot find in the message before it.
        assertThat(answer.text()).isEqualTo("echo: 18 degrees, sunny");
        JsonNode secondSent = openai.lastRequest().body();
        assertThat(secondSent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("call_get_weather");
        assertThat(secondSent.at("/messages/1/content").asText(null)).as("a call-only message has no content").isNull();
        assertThat(secondSent.at("/messages/2/tool_call_id").asText()).isEqualTo("call_get_weather");
    }

    @Test
    void a_stream_passes_every_chunk_through_and_asks_for_the_usage() {
        ChatRequest request = HELLO.withExtra(Map.of("stream_options",
                OpenAiProvider.JSON.createObjectNode().put("include_obfuscation", false)));

        List<ChatChunk> chunks = drain(provider().stream(request, call()));

        assertThat(chunks).hasSize(1 + 3 + 1 + 1);
        ChatResponse whole = assembled(chunks);
        assertThat(whole.text()).isEqualTo("echo: hello there");
        assertThat(whole.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(whole.usage()).isNotNull();
        assertThat(chunks.getLast().choices()).isEmpty();
        assertThat(chunks.getLast().usage().completionTokens()).isPositive();
        JsonNode sent = openai.lastRequest().body();
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(sent.at("/stream_options/include_obfuscation").isBoolean()).isTrue();
        assertThat(openai.lastRequest().header("Accept")).isEqualTo("text/event-stream");
    }

    @Test
    void a_streamed_tool_call_arrives_as_argument_deltas_that_assemble_to_the_call() {
        openai.scriptNext(Script.toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}").inChunks(5));

        List<ChatChunk> chunks = drain(provider().stream(HELLO, call()));

        long argumentDeltas = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                .filter(choice -> choice.delta() != null && choice.delta().toolCalls() != null)
                .filter(choice -> !choice.delta().toolCalls().get(0).function().arguments().isEmpty())
                .count();
        assertThat(argumentDeltas).isEqualTo(5);
        ChatResponse whole = assembled(chunks);
        assertThat(whole.choices().get(0).finishReason()).isEqualTo("tool_calls");
        assertThat(whole.choices().get(0).message().toolCalls()).singleElement().isEqualTo(
                ToolCall.function("call_get_weather", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"));
    }

    @Test
    void embeddings_come_back_as_floats_in_input_order_whatever_encoding_the_client_wanted() {
        EmbeddingRequest request = new EmbeddingRequest("text-embedding-3-small", List.of("first", "second"), 8, null,
                Map.of("encoding_format", OpenAiProvider.JSON.getNodeFactory().textNode("base64")));

        EmbeddingResponse response = provider().embed(request, call());

        assertThat(response.model()).isEqualTo("text-embedding-3-small");
        assertThat(response.data()).extracting(EmbeddingResponse.Embedding::index).containsExactly(0, 1);
        assertThat(response.data().get(0).vector()).containsExactly(OpenAiSimulator.embeddingOf("first", 8));
        assertThat(response.data().get(1).vector()).containsExactly(OpenAiSimulator.embeddingOf("second", 8));
        assertThat(response.usage().promptTokens()).isPositive();
        assertThat(openai.lastRequest().body().path("encoding_format").asText()).isEqualTo("float");
        assertThat(openai.lastRequest().body().path("dimensions").asInt()).isEqualTo(8);
    }

    @Test
    void models_come_from_the_upstream() {
        openai.models("gpt-4o-mini", "llama3.2");

        List<ModelInfo> models = provider().models();

        assertThat(models).extracting(ModelInfo::id).containsExactly("gpt-4o-mini", "llama3.2");
        assertThat(models).allSatisfy(model -> assertThat(model.object()).isEqualTo("model"));
        assertThat(openai.lastRequest().header("Authorization")).isEqualTo("Bearer " + KEY);
    }

    @Test
    void configured_models_are_advertised_without_asking_the_upstream() {
        Provider provider = provider(new OpenAiConfig(openai.baseUrl().toString(), KEY, null, null, null,
                List.of("qwen2.5", "mistral")));

        assertThat(provider.models()).extracting(ModelInfo::id, ModelInfo::ownedBy)
                .containsExactly(tuple("qwen2.5", "openai"),
                        tuple("mistral", "openai"));
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void a_400_keeps_its_status_with_the_upstream_s_message_and_param() {
        openai.scriptNext(Script.error(400, new Script.ErrorBody("Invalid value for 'temperature': must be at most 2.",
                "invalid_request_error", "temperature", "invalid_value")));

        GatewayException failure = chatFailure(provider());

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_REJECTED);
        assertThat(failure.status()).isEqualTo(400);
        assertThat(failure.getMessage()).isEqualTo("Invalid value for 'temperature': must be at most 2.");
        assertThat(failure.param()).isEqualTo("temperature");
    }

    @Test
    void a_429_keeps_its_status_and_retry_after() {
        openai.scriptNext(Script.error(429, "Rate limit reached for requests").withHeader("Retry-After", "20"));

        GatewayException failure = chatFailure(provider());

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_REJECTED);
        assertThat(failure.status()).isEqualTo(429);
        assertThat(failure.headers()).containsEntry("Retry-After", "20");
    }

    @Test
    void a_401_from_the_upstream_is_a_502_about_the_gateway_s_credentials_that_shows_no_key() {
        String wrongKey = "sk-wrong-9876543210";
        Provider provider = provider(OpenAiConfig.of(openai.baseUrl().toString(), wrongKey));

        GatewayException failure = chatFailure(provider);

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).contains("credentials").contains("'openai'").contains("401")
                .doesNotContain(wrongKey).doesNotContain("Incorrect API key");
        assertThat(failure.getCause().getMessage()).doesNotContain(wrongKey);
        assertThat(provider.toString()).doesNotContain(wrongKey);
    }

    @Test
    void a_500_is_a_502() {
        openai.scriptNext(Script.error(500, "The server had an error while processing your request."));

        GatewayException failure = chatFailure(provider());

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).isEqualTo("the upstream failed (HTTP 500)");
        assertThat(failure.headers()).doesNotContainKey("Retry-After");
    }

    @Test
    void a_503_keeps_the_upstreams_retry_after_so_that_the_router_can_wait_for_it() {
        openai.scriptNext(Script.error(503, "The engine is currently overloaded.").withHeader("Retry-After", "3"));

        GatewayException failure = chatFailure(provider());

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.headers()).containsEntry("Retry-After", "3");
    }

    @Test
    void a_stream_rejected_before_its_first_chunk_is_a_proper_error() {
        openai.scriptNext(Script.error(404, "The model 'gpt-9' does not exist"));

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> provider().stream(HELLO.withModel("gpt-9"), call()));

        assertThat(failure.status()).isEqualTo(404);
        assertThat(failure.getMessage()).isEqualTo("The model 'gpt-9' does not exist");
    }

    @Test
    void an_upstream_that_hangs_is_a_504_and_the_gateway_hangs_up() {
        openai.script(Script.hang());
        Provider provider = provider(new OpenAiConfig(openai.baseUrl().toString(), KEY, null, null, 300, null));

        GatewayException failure = chatFailure(provider);

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.status()).isEqualTo(504);
        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
    }

    @Test
    void a_refused_connection_is_a_503() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Provider provider = provider(OpenAiConfig.of("http://127.0.0.1:" + closedPort + "/v1", KEY));

        GatewayException failure = chatFailure(provider);

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.getMessage()).doesNotContain(KEY);
    }

    @Test
    void closing_a_stream_early_aborts_the_upstream() {
        openai.script(Script.reply("a long answer that the client will not wait for").hangAfterChunks(2));
        ChunkStream stream = provider().stream(HELLO, call());
        assertThat(stream.next()).isPresent();
        assertThat(stream.next()).isPresent();
        assertThat(openai.openStreams()).isEqualTo(1);

        stream.close();
        stream.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
        assertThat(openai.openStreams()).isZero();
    }

    @Test
    void closing_a_stream_from_another_thread_ends_a_blocked_next() throws Exception {
        openai.script(Script.reply("a b c").hangAfterChunks(1));
        ChunkStream stream = provider().stream(HELLO, call());
        stream.next();
        stream.next();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(stream.next().isPresent() ? null : new AssertionError("the stream ended"));
            } catch (GatewayException e) {
                outcome.complete(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> reader.getState() == Thread.State.WAITING);

        stream.close();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(GatewayException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> openai.closedEarly() == 1);
    }

    @Test
    void a_stream_broken_mid_body_fails_next_with_a_502() {
        openai.script(Script.reply("a b c d e").resetAfterChunks(2));
        ChunkStream stream = provider().stream(HELLO, call());

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> drain(stream));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.status()).isEqualTo(502);
    }

    @Test
    void a_stream_that_goes_silent_past_the_read_timeout_fails_next_with_a_504() {
        openai.script(Script.reply("a b c d e").hangAfterChunks(1));
        Provider provider = provider(new OpenAiConfig(openai.baseUrl().toString(), KEY, null, null, 1_000, null));
        ChunkStream stream = provider.stream(HELLO, call());

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> drain(stream));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(failure.status()).isEqualTo(504);
    }

    @Test
    void a_base_url_with_a_query_keeps_it_on_every_call() {
        Provider provider = provider(OpenAiConfig.of(openai.baseUrl() + "/?api-version=2024-10-21", KEY));

        provider.chat(HELLO, call());
        provider.models();

        assertThat(openai.requests()).extracting(RecordedRequest::path, RecordedRequest::query).containsExactly(
                tuple("/v1/chat/completions", "api-version=2024-10-21"),
                tuple("/v1/models", "api-version=2024-10-21"));
    }

    @Test
    void without_an_api_key_no_authorization_header_is_sent() {
        openai.requireApiKey(null);

        provider(OpenAiConfig.of(openai.baseUrl().toString(), "")).chat(HELLO, call());

        assertThat(openai.lastRequest().header("Authorization")).isNull();
    }
    @Test
    void azure_calls_go_to_the_models_deployment_with_the_api_version_and_the_key_in_api_key() {
        Provider provider = provider(OpenAiConfig.azure("http://127.0.0.1:" + openai.port(), KEY,
                Map.of("gpt-4o-mini", "prod-mini")));

        ChatResponse answer = provider.chat(HELLO, call());
        drain(provider.stream(HELLO, call()));
        provider.embed(EmbeddingRequest.of("text-embedding-3-small", List.of("a text")), call());

        assertThat(answer.text()).isEqualTo("echo: hello there");
        assertThat(openai.requests()).extracting(RecordedRequest::path, RecordedRequest::query).containsExactly(
                tuple("/openai/deployments/prod-mini/chat/completions", "api-version=2024-10-21"),
                tuple("/openai/deployments/prod-mini/chat/completions", "api-version=2024-10-21"),
                tuple("/openai/deployments/text-embedding-3-small/embeddings", "api-version=2024-10-21"));
        assertThat(openai.requests()).allSatisfy(request -> {
            assertThat(request.header("api-key")).isEqualTo(KEY);
            assertThat(request.header("Authorization")).isNull();
        });
    }

    @Test
    void azure_refusing_the_key_is_the_gateways_credential_problem_not_the_clients() {
        Provider provider = provider(OpenAiConfig.azure("http://127.0.0.1:" + openai.port(), "wrong-key", Map.of()));

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> provider.chat(HELLO, call()));

        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).contains("credentials").doesNotContain("wrong-key");
    }

    @Test
    void azure_lists_its_deployments_models_without_asking_the_upstream() {
        Provider provider = provider(OpenAiConfig.azure("http://127.0.0.1:" + openai.port(), KEY,
                Map.of("gpt-4o", "prod-4o")));

        assertThat(provider.models()).extracting(ModelInfo::id).containsExactly("gpt-4o");
        assertThat(openai.requests()).isEmpty();
    }
}
