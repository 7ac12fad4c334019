package io.portcullis.plugins.mock;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.ChatResponseAssembler;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Usage;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockProviderTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    private static final CallContext CALL = new CallContext("req-1", NOW.plus(Duration.ofDays(365 * 100)));

    private static MockProvider provider(MockConfig config) {
        return new MockProvider("mock-1", config, new WordTokenizer(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static ChatRequest ask(String text) {
        return ChatRequest.of("mock", List.of(Message.of(Message.SYSTEM, "Be brief."), Message.of(Message.USER, text)));
    }

    private static List<ChatChunk> drain(ChunkStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
            chunks.add(chunk.get());
        }
        return chunks;
    }

    private static String content(ChatChunk chunk) {
        return chunk.choices().get(0).delta().content();
    }

    @Nested
    class Chat {

        private final MockProvider provider = provider(MockConfig.defaults());

        @Test
        void the_reply_quotes_the_last_user_message_verbatim() {
            String text = "Line 1\n  \"quoted\" ü 😀 <b>&amp;</b>  ";

            ChatResponse response = provider.chat(ask(text), CALL);

            assertThat(response.text()).isEqualTo("You said: " + text);
            assertThat(response.text()).isEqualTo(MockProvider.REPLY_PREFIX + text);
        }

        @Test
        void only_the_last_user_message_is_quoted_whatever_follows_it() {
            ChatRequest request = ChatRequest.of("mock", List.of(
                    Message.of(Message.USER, "first"),
                    Message.of(Message.ASSISTANT, "You said: first"),
                    Message.of(Message.USER, "second"),
                    Message.of(Message.TOOL, "a tool result")));

            assertThat(provider.chat(request, CALL).text()).isEqualTo("You said: second");
        }

        @Test
        void only_the_text_parts_of_a_multimodal_message_are_quoted() {
            Message message = new Message(Message.USER, new Content(List.of(ContentPart.text("look at "),
                    ContentPart.image("https://example.com/cat.png"), ContentPart.text("this"))), null, null, null,
                    null);

            assertThat(provider.chat(ChatRequest.of("mock", List.of(message)), CALL).text())
                    .isEqualTo("You said: look at this");
        }

        @Test
        void a_conversation_without_a_user_message_gets_the_bare_prefix() {
            ChatRequest request = ChatRequest.of("mock", List.of(Message.of(Message.SYSTEM, "Be brief.")));

            assertThat(provider.chat(request, CALL).text()).isEqualTo(MockProvider.REPLY_PREFIX);
        }

        @Test
        void the_reply_is_a_complete_assistant_message_that_stops_and_names_the_model_asked_for() {
            ChatResponse response = provider.chat(ask("hi").withModel("mock-small"), CALL);

            assertThat(response.object()).isEqualTo("chat.completion");
            assertThat(response.model()).isEqualTo("mock-small");
            assertThat(response.created()).isEqualTo(NOW.getEpochSecond());
            assertThat(response.choices()).singleElement().satisfies(choice -> {
                assertThat(choice.index()).isZero();
                assertThat(choice.message().role()).isEqualTo(Message.ASSISTANT);
                assertThat(choice.finishReason()).isEqualTo("stop");
            });
        }

        @Test
        void usage_comes_from_the_tokenizer() {
            // prompt: 3 + (3 + "system" 1 + "Be brief." 2) + (3 + "user" 1 + "Hello there" 2) = 15
            // completion: "You said: Hello there" = 4 words
            Usage usage = provider.chat(ask("Hello there"), CALL).usage();

            assertThat(usage).isEqualTo(Usage.of(15, 4));
            assertThat(usage.totalTokens()).isEqualTo(19);
        }

        @Test
        void the_same_content_gets_the_same_id_and_other_content_another() {
            String id = provider.chat(ask("hi"), CALL).id();

            assertThat(id).startsWith(MockProvider.ID_PREFIX).hasSize(MockProvider.ID_PREFIX.length() + 16);
            assertThat(provider(MockConfig.defaults()).chat(ask("hi"), CALL).id()).isEqualTo(id);
            assertThat(provider.chat(ask("hello"), CALL).id()).isNotEqualTo(id);
        }

        @Test
        void a_request_without_messages_is_rejected_as_invalid() {
            assertThatThrownBy(() -> provider.chat(ChatRequest.of("mock", List.of()), CALL))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.param()).isEqualTo("messages");
                        assertThat(e.getMessage()).isEqualTo("messages must contain at least one message");
                    });
        }
    }

    @Nested
    class Streaming {

        @Test
        void the_first_chunk_carries_the_assistant_role_and_no_text() {
            ChatChunk first = drain(provider(MockConfig.defaults()).stream(ask("hi"), CALL)).get(0);

            assertThat(first.choices()).singleElement().satisfies(choice -> {
                assertThat(choice.delta().role()).isEqualTo(Message.ASSISTANT);
                assertThat(choice.delta().content()).isEmpty();
                assertThat(choice.finishReason()).isNull();
            });
            assertThat(first.usage()).isNull();
        }

        @Test
        void the_text_arrives_in_the_configured_number_of_even_chunks() {
            // "You said: abcdefghijk" is 21 characters: 3 chunks of 7.
            List<ChatChunk> chunks = drain(provider(new MockConfig(3, null, null, null)).stream(ask("abcdefghijk"),
                    CALL));

            assertThat(chunks).hasSize(1 + 3 + 1);
            assertThat(chunks.subList(1, 4)).extracting(MockProviderTest::content)
                    .containsExactly("You sai", "d: abcd", "efghijk");
        }

        @Test
        void the_default_is_eight_content_chunks_none_of_them_empty() {
            List<ChatChunk> chunks = drain(provider(MockConfig.defaults()).stream(ask("Hello, world"), CALL));

            assertThat(chunks.subList(1, chunks.size() - 1)).hasSize(8).extracting(MockProviderTest::content)
                    .allSatisfy(piece -> assertThat(piece).isNotEmpty());
        }

        @Test
        void the_last_chunk_stops_and_carries_the_usage() {
            ChatChunk last = drain(provider(MockConfig.defaults()).stream(ask("Hello there"), CALL)).getLast();

            assertThat(last.choices()).singleElement().satisfies(choice -> {
                assertThat(choice.finishReason()).isEqualTo("stop");
                assertThat(choice.delta().role()).isNull();
                assertThat(choice.delta().content()).isNull();
            });
            assertThat(last.usage()).isEqualTo(Usage.of(15, 4));
        }

        @Test
        void every_chunk_shares_the_id_created_and_model_of_the_stream() {
            List<ChatChunk> chunks = drain(provider(MockConfig.defaults()).stream(ask("hi").withModel("m"), CALL));

            assertThat(chunks).allSatisfy(chunk -> {
                assertThat(chunk.object()).isEqualTo("chat.completion.chunk");
                assertThat(chunk.id()).isEqualTo(chunks.get(0).id());
                assertThat(chunk.created()).isEqualTo(NOW.getEpochSecond());
                assertThat(chunk.model()).isEqualTo("m");
            });
        }

        @Test
        void the_assembled_stream_is_exactly_the_complete_reply() {
            MockProvider provider = provider(new MockConfig(5, null, null, null));
            ChatResponseAssembler assembler = new ChatResponseAssembler();

            drain(provider.stream(ask("Stream me 😀 please"), CALL)).forEach(assembler::add);

            assertThat(assembler.build()).isEqualTo(provider.chat(ask("Stream me 😀 please"), CALL));
        }

        @Test
        void the_stream_stays_ended_after_its_last_chunk() {
            ChunkStream stream = provider(MockConfig.defaults()).stream(ask("hi"), CALL);
            drain(stream);

            assertThat(stream.next()).isEmpty();
            assertThat(stream.next()).isEmpty();
        }

        @Test
        void a_closed_stream_ends_at_once_and_closing_twice_is_harmless() {
            ChunkStream stream = provider(MockConfig.defaults()).stream(ask("hi"), CALL);
            assertThat(stream.next()).isPresent();

            stream.close();
            stream.close();

            assertThat(stream.next()).isEmpty();
        }

        @Test
        void the_delay_is_waited_between_chunks_but_not_before_the_first() {
            Duration delay = Duration.ofMillis(20);
            ChunkStream stream = provider(new MockConfig(3, (int) delay.toMillis(), null, null)).stream(ask("hi"),
                    CALL);

            long start = System.nanoTime();
            List<ChatChunk> chunks = drain(stream);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            // 5 chunks, 4 gaps: a wait on a latch never ends early unless the stream is closed.
            assertThat(chunks).hasSize(5);
            assertThat(elapsed).isGreaterThanOrEqualTo(delay.multipliedBy(4));
        }

        @Test
        void close_from_another_thread_ends_a_next_that_waits_on_the_delay() throws Exception {
            ChunkStream stream = provider(new MockConfig(2, 600_000, null, null)).stream(ask("hi"), CALL);
            assertThat(stream.next()).isPresent();
            CompletableFuture<Optional<ChatChunk>> waited = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().name("mock-stream-reader").start(() -> {
                try {
                    waited.complete(stream.next());
                } catch (RuntimeException e) {
                    waited.completeExceptionally(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.TIMED_WAITING);

            stream.close();

            // Ten minutes of delay were asked for; the reader returns as soon as the stream is closed.
            assertThat(waited.get(10, TimeUnit.SECONDS)).isEmpty();
            reader.join(Duration.ofSeconds(10));
            assertThat(reader.isAlive()).isFalse();
        }

        @Test
        void a_delay_that_would_pass_the_deadline_fails_the_stream_as_an_upstream_timeout() {
            CallContext late = new CallContext("req-2", Instant.now().minusSeconds(1));
            ChunkStream stream = provider(new MockConfig(2, 600_000, null, null)).stream(ask("hi"), late);
            assertThat(stream.next()).isPresent();

            assertThatThrownBy(stream::next).isInstanceOfSatisfying(GatewayException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT));
            assertThat(stream.next()).isEmpty();
        }

        @Test
        void an_interrupted_wait_fails_the_stream_and_keeps_the_interrupt() {
            ChunkStream stream = provider(new MockConfig(2, 600_000, null, null)).stream(ask("hi"), CALL);
            assertThat(stream.next()).isPresent();

            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(stream::next).isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR));
            } finally {
                assertThat(Thread.interrupted()).isTrue();
            }
        }
    }

    @Nested
    class Embeddings {

        private final MockProvider provider = provider(MockConfig.defaults());

        private float[] embed(String text, Integer dimensions) {
            EmbeddingRequest request = new EmbeddingRequest("mock", List.of(text), dimensions, null, null);
            return provider.embed(request, CALL).data().get(0).vector();
        }

        private static double length(float[] vector) {
            double sum = 0;
            for (float value : vector) {
                sum += (double) value * value;
            }
            return Math.sqrt(sum);
        }

        @Test
        void vectors_have_the_configured_length_and_unit_norm() {
            float[] vector = embed("hello", null);

            assertThat(vector).hasSize(384);
            assertThat(length(vector)).isCloseTo(1.0, within(1e-5));
        }

        @Test
        void the_same_text_always_gets_the_same_vector() {
            assertThat(provider(MockConfig.defaults()).embed(EmbeddingRequest.of("mock", List.of("hello")), CALL)
                    .data().get(0).vector()).containsExactly(embed("hello", null));
        }

        @Test
        void different_texts_get_different_vectors() {
            assertThat(embed("hello", null)).isNotEqualTo(embed("hello!", null));
        }

        @Test
        void the_request_may_ask_for_another_length() {
            float[] vector = embed("hello", 16);

            assertThat(vector).hasSize(16);
            assertThat(length(vector)).isCloseTo(1.0, within(1e-5));
        }

        @Test
        void the_configured_length_applies_when_the_request_names_none() {
            float[] vector = provider(new MockConfig(null, null, 3, null))
                    .embed(EmbeddingRequest.of("mock", List.of("hello")), CALL).data().get(0).vector();

            assertThat(vector).hasSize(3);
        }

        @Test
        void one_vector_per_text_in_input_order_with_the_prompt_tokens_counted() {
            EmbeddingResponse response = provider.embed(
                    EmbeddingRequest.of("mock", List.of("one", "two words", "three more words")), CALL);

            assertThat(response.model()).isEqualTo("mock");
            assertThat(response.data()).extracting(EmbeddingResponse.Embedding::index).containsExactly(0, 1, 2);
            assertThat(response.data().get(1).vector()).containsExactly(embed("two words", null));
            assertThat(response.usage()).isEqualTo(Usage.of(6, 0));
        }

        @Test
        void a_length_outside_the_range_is_rejected_as_invalid() {
            assertThatThrownBy(() -> embed("hello", 0)).isInstanceOfSatisfying(GatewayException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                assertThat(e.param()).isEqualTo("dimensions");
                assertThat(e.getMessage()).isEqualTo("dimensions must be between 1 and 4096, was 0");
            });
        }

        @Test
        void an_empty_input_is_rejected_as_invalid() {
            assertThatThrownBy(() -> provider.embed(EmbeddingRequest.of("mock", List.of()), CALL))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                        assertThat(e.param()).isEqualTo("input");
                    });
        }
    }

    @Test
    void the_configured_models_are_listed_as_owned_by_the_entry() {
        List<ModelInfo> models = provider(new MockConfig(null, null, null, List.of("mock", "mock-small"))).models();

        assertThat(models).containsExactly(ModelInfo.of("mock", NOW.getEpochSecond(), "mock-1"),
                ModelInfo.of("mock-small", NOW.getEpochSecond(), "mock-1"));
    }
}
