package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.RecordedRequest;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The official OpenAI Java SDK, unchanged but for its base URL, against the gateway: with provider-mock behind it, and
 * with provider-openai in front of the OpenAI simulator.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiSdkIT {

    static OpenAIClient sdk(RunningGateway gateway) {
        return Clients.openAi(gateway, "unused");
    }

    static ChatCompletionCreateParams chat(String model, String text) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class with_the_mock_provider {

        private static final int CHUNKS = 5;

        private RunningGateway gateway;
        private OpenAIClient client;

        @BeforeAll
        void start(@TempDir Path plugins) {
            BuiltPlugins.copy(plugins, BuiltPlugins.MOCK);
            gateway = RunningGateway.start("""
                    providers: [ { id: mock, type: mock, chunks: %d, embeddingDimensions: 64 } ]
                    models:
                      - { name: mock, targets: [ { provider: mock } ] }
                      - { name: mock-embedder, targets: [ { provider: mock, model: mock } ] }
                    """.formatted(CHUNKS), plugins);
            client = sdk(gateway);
        }

        @AfterAll
        void stop() throws Exception {
            Clients.closeAll(client, gateway);
        }

        @Test
        void it_lists_the_models() {
            assertThat(client.models().list().data()).map(Model::id).containsExactly("mock", "mock-embedder");
        }

        @Test
        void a_chat_completion_answers_what_the_mock_says_with_the_provider_and_a_request_id() {
            try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions()
                    .create(chat("mock", "Hello, gateway"))) {
                ChatCompletion completion = response.parse();

                assertThat(completion.choices()).hasSize(1);
                assertThat(completion.choices().get(0).message().content()).hasValue("You said: Hello, gateway");
                assertThat(completion.choices().get(0).finishReason())
                        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
                assertThat(completion.model()).isEqualTo("mock");
                assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.completionTokens())
                        .isPositive());
                assertThat(response.headers().values("x-portcullis-provider")).containsExactly("mock");
                assertThat(response.requestId()).hasValueSatisfying(id -> assertThat(id).isNotBlank());
            }
        }

        @Test
        void the_clients_request_id_is_echoed() {
            ChatCompletionCreateParams params = chat("mock", "trace me").toBuilder()
                    .putAdditionalHeader("x-request-id", "sdk-trace-0001").build();
            try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions()
                    .create(params)) {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.requestId()).hasValue("sdk-trace-0001");
            }
        }

        @Test
        void a_streamed_completion_arrives_in_the_mocks_chunks_and_ends_with_a_finish_reason() {
            try (HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client.withRawResponse().chat()
                    .completions().createStreaming(chat("mock", "stream this back to me"));
                 StreamResponse<ChatCompletionChunk> stream = response.parse()) {
                List<ChatCompletionChunk> chunks = stream.stream().toList();

                assertThat(response.headers().values("x-portcullis-provider")).containsExactly("mock");
                assertThat(response.headers().values("content-type")).singleElement().asString()
                        .startsWith("text/event-stream");
                assertThat(chunks).map(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
                assertThat(chunks).map(ChatCompletionChunk::model).containsOnly("mock");
                List<String> pieces = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                        .flatMap(choice -> choice.delta().content().stream()).filter(text -> !text.isEmpty())
                        .toList();
                assertThat(pieces).hasSize(CHUNKS);
                assertThat(String.join("", pieces)).isEqualTo("You said: stream this back to me");
                ChatCompletionChunk last = chunks.getLast();
                assertThat(last.choices().get(0).finishReason()).hasValue(ChatCompletionChunk.Choice.FinishReason.STOP);
                assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(chunk -> assertThat(chunk.choices())
                        .allSatisfy(choice -> assertThat(choice.finishReason()).isEmpty()));
            }
        }

        @Test
        void embeddings_come_as_base64_as_the_sdk_asks_by_default_and_as_the_same_floats_when_asked() {
            EmbeddingCreateParams asked = EmbeddingCreateParams.builder().model("mock-embedder")
                    .input("the same text").build();
            CreateEmbeddingResponse byDefault = client.embeddings().create(asked);
            CreateEmbeddingResponse floats = client.embeddings().create(asked.toBuilder()
                    .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

            assertThat(byDefault.data()).hasSize(1);
            assertThat(byDefault.data().get(0).embeddingValue().isBase64())
                    .as("the SDK asks for base64 unless told otherwise, and gets it").isTrue();
            assertThat(floats.data().get(0).embeddingValue().isFloats()).isTrue();
            List<Float> vector = floats.data().get(0).embedding();
            assertThat(vector).hasSize(64);
            assertThat(byDefault.data().get(0).embedding()).isEqualTo(vector);
            assertThat(vector.stream().mapToDouble(v -> v * v).sum()).isCloseTo(1.0, within(1e-4));
            assertThat(floats.model()).isEqualTo("mock-embedder");
            assertThat(floats.usage().promptTokens()).isPositive();
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class with_provider_openai_in_front_of_the_simulator {

        private static final String API_KEY = "sk-upstream-secret";

        private OpenAiSimulator simulator;
        private RunningGateway gateway;
        private OpenAIClient client;
        /** The same SDK pointed straight at the simulator: what it records is what the client sends. */
        private OpenAIClient direct;
        /** A test's gate, opened after it so that no held stream outlives its test. */
        private OpenAiSimulator.Gate gate;

        @BeforeAll
        void start(@TempDir Path plugins) {
            simulator = OpenAiSimulator.start();
            BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI);
            gateway = RunningGateway.start("""
                    providers:
                      - { id: openai, type: openai, baseUrl: "%s", apiKey: %s }
                    models:
                      - { name: gpt-4o-mini, targets: [ { provider: openai, model: upstream-mini-2024 } ] }
                      - { name: text-embedding-3-small, targets: [ { provider: openai } ] }
                    """.formatted(simulator.baseUrl(), API_KEY), plugins);
            client = sdk(gateway);
            direct = Clients.openAi(simulator.baseUrl().toString(), "unused");
        }

        @AfterEach
        void resetTheSimulator() {
            if (gate != null) {
                gate.open();
            }
            simulator.reset();
        }

        @AfterAll
        void stop() throws Exception {
            Clients.closeAll(direct, client, gateway, simulator);
        }

        private ChatCompletionCreateParams detailedChat() {
            return ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addSystemMessage("You are terse.")
                    .addUserMessage("What is a portcullis?")
                    .temperature(0.25)
                    .topP(0.5)
                    .maxCompletionTokens(64)
                    .putAdditionalBodyProperty("x_custom_feature", JsonValue.from(List.of("kept", 1)))
                    .build();
        }

        @Test
        void it_lists_the_models_by_their_public_names() {
            assertThat(client.models().list().data()).map(Model::id)
                    .containsExactly("gpt-4o-mini", "text-embedding-3-small");
        }

        @Test
        void the_upstream_receives_what_the_client_sent_with_the_upstreams_model_name_and_key() {
            direct.chat().completions().create(detailedChat());
            JsonNode sent = simulator.lastRequest().body();

            try (HttpResponseFor<ChatCompletion> response = client.withRawResponse().chat().completions()
                    .create(detailedChat().toBuilder().putAdditionalHeader("x-request-id", "sdk-sim-1").build())) {
                ChatCompletion completion = response.parse();
                RecordedRequest received = simulator.lastRequest();

                ObjectNode expected = ((ObjectNode) sent.deepCopy()).put("model", "upstream-mini-2024");
                ObjectNode actual = received.body().deepCopy();
                JsonNode stream = actual.remove("stream");
                assertThat(stream == null || !stream.asBoolean()).as("stream, if sent at all, is false").isTrue();
                assertThat((Object) actual).isEqualTo(expected);
                assertThat(received.header("authorization")).isEqualTo("Bearer " + API_KEY);
                assertThat(received.header("x-client-request-id")).isEqualTo("sdk-sim-1");

                assertThat(completion.choices().get(0).message().content()).hasValue("echo: What is a portcullis?");
                assertThat(completion.model()).isEqualTo("gpt-4o-mini");
                assertThat(response.requestId()).hasValue("sdk-sim-1");
                assertThat(response.headers().values("x-portcullis-provider")).containsExactly("openai");
            }
        }

        @Test
        void a_stream_reaches_the_client_chunk_by_chunk_as_the_upstream_sends_it() {
            String text = "one two three four five";
            gate = new OpenAiSimulator.Gate();
            simulator.gateStreams(gate).script(Script.reply(text).inChunks(5));

            try (HttpResponseFor<StreamResponse<ChatCompletionChunk>> response = client.withRawResponse().chat()
                    .completions().createStreaming(chat("gpt-4o-mini", "count to five"));
                 StreamResponse<ChatCompletionChunk> stream = response.parse()) {
                Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
                List<ChatCompletionChunk> received = new ArrayList<>();

                // Bounded: were the gateway to buffer, the first piece would never come while the gate is shut.
                String first = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> nextText(chunks, received));
                assertThat(text).startsWith(first);
                assertThat(first).isNotEmpty().isNotEqualTo(text);
                // The simulator is still holding the second piece back: the client has the first before it exists.
                await().atMost(Duration.ofSeconds(10)).until(() -> gate.waiting() == 1);
                assertThat(Sse.textOf(received)).isEqualTo(first);

                gate.open();
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> chunks.forEachRemaining(received::add));

                assertThat(Sse.textOf(received)).isEqualTo(text);
                ChatCompletionChunk last = received.getLast();
                assertThat(last.choices()).singleElement().satisfies(choice -> assertThat(choice.finishReason())
                        .hasValue(ChatCompletionChunk.Choice.FinishReason.STOP));
                assertThat(received).map(ChatCompletionChunk::model).containsOnly("gpt-4o-mini");
                assertThat(response.headers().values("x-portcullis-provider")).containsExactly("openai");
                assertThat(simulator.lastRequest().body().path("model").asText()).isEqualTo("upstream-mini-2024");
                assertThat(simulator.lastRequest().body().path("stream").asBoolean()).isTrue();
            }
        }

        @Test
        void embeddings_are_the_upstreams_vectors_as_floats_or_as_the_base64_the_sdk_asks_for() {
            float[] expected = OpenAiSimulator.embeddingOf("a vector, please", 1536);
            EmbeddingCreateParams asked = EmbeddingCreateParams.builder().model("text-embedding-3-small")
                    .input("a vector, please").build();

            direct.embeddings().create(asked);
            assertThat(simulator.lastRequest().body().path("encoding_format").asText())
                    .as("what the SDK asks for when not told").isEqualTo("base64");

            CreateEmbeddingResponse byDefault = client.embeddings().create(asked);
            assertThat(simulator.lastRequest().body().path("encoding_format").asText())
                    .as("what the provider asks the upstream for").isEqualTo("float");
            CreateEmbeddingResponse floats = client.embeddings().create(asked.toBuilder()
                    .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

            assertThat(byDefault.data().get(0).embeddingValue().isBase64()).isTrue();
            assertThat(floats.data().get(0).embeddingValue().isFloats()).isTrue();
            assertThat(toArray(byDefault.data().get(0).embedding())).containsExactly(expected, within(1e-7f));
            assertThat(toArray(floats.data().get(0).embedding())).containsExactly(expected, within(1e-7f));
            assertThat(floats.model()).isEqualTo("text-embedding-3-small");
            assertThat(floats.usage().promptTokens()).isPositive();
        }

        private static String nextText(Iterator<ChatCompletionChunk> chunks, List<ChatCompletionChunk> received) {
            while (chunks.hasNext()) {
                ChatCompletionChunk chunk = chunks.next();
                received.add(chunk);
                String text = Sse.textOf(List.of(chunk));
                if (!text.isEmpty()) {
                    return text;
                }
            }
            throw new AssertionError("the stream ended without any text: " + received);
        }

        private static float[] toArray(List<Float> values) {
            float[] array = new float[values.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = values.get(i);
            }
            return array;
        }
    }
}
