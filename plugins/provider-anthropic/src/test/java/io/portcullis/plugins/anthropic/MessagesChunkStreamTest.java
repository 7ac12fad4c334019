package io.portcullis.plugins.anthropic;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.ChatResponseAssembler;
import io.portcullis.api.model.Message;
import io.portcullis.api.service.UpstreamResponse;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Anthropic's event streams, as its streaming documentation shows them (fixtures under
 * {@code fixtures/anthropic/messages/responses/}), read into canonical chunks without a network.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MessagesChunkStreamTest {

    private static MessagesChunkStream stream(String sse) {
        return stream(sse, new ArrayList<>());
    }

    /** @param closes where the response notes how it was closed: {@code close} or {@code closeAtEnd} */
    private static MessagesChunkStream stream(String sse, List<String> closes) {
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        return new MessagesChunkStream("anthropic", new UpstreamResponse() {
            private final InputStream body = new ByteArrayInputStream(bytes);

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
                return body;
            }

            @Override
            public String bodyAsString(int maxBytes) {
                return sse;
            }

            @Override
            public void close() {
                closes.add("close");
            }

            @Override
            public void closeAtEnd() {
                closes.add("closeAtEnd");
            }
        });
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = Objects.requireNonNull(MessagesChunkStreamTest.class.getResourceAsStream(
                "/fixtures/anthropic/messages/responses/" + name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<ChatChunk> drain(MessagesChunkStream stream) {
        List<ChatChunk> chunks = new ArrayList<>();
        for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
            chunks.add(chunk.get());
        }
        return chunks;
    }

    private static ChatResponse assembled(List<ChatChunk> chunks) {
        ChatResponseAssembler assembler = new ChatResponseAssembler();
        chunks.forEach(assembler::add);
        return assembler.build();
    }

    @Test
    void text_then_a_tool_call_become_openai_chunks_with_argument_fragments() throws IOException {
        List<ChatChunk> chunks = drain(stream(fixture("text-then-tool-use.sse")));

        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.id()).isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U");
            assertThat(chunk.model()).isEqualTo("claude-sonnet-4-5");
            assertThat(chunk.object()).isEqualTo("chat.completion.chunk");
        });
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).isEqualTo("assistant");
        List<ChatChunk.ToolCallDelta> pieces = chunks.stream().filter(chunk -> !chunk.choices().isEmpty())
                .map(chunk -> chunk.choices().getFirst().delta().toolCalls()).filter(Objects::nonNull)
                .flatMap(List::stream).toList();
        assertThat(pieces.getFirst().index()).as("the first tool call, whatever its block index").isZero();
        assertThat(pieces.getFirst().id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(pieces.getFirst().function().name()).isEqualTo("get_weather");
        assertThat(pieces.subList(1, pieces.size())).as("the empty fragment is skipped").hasSize(3)
                .allSatisfy(piece -> {
                    assertThat(piece.index()).isZero();
                    assertThat(piece.id()).isNull();
                    assertThat(piece.function().arguments()).isNotEmpty();
                });

        ChatResponse whole = assembled(chunks);
        Message message = whole.choices().getFirst().message();
        assertThat(message.text()).isEqualTo("Okay, let me check the weather.");
        assertThat(message.toolCalls()).singleElement().satisfies(call -> assertThat(call.function().arguments())
                .isEqualTo("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}"));
        assertThat(whole.choices().getFirst().finishReason()).isEqualTo("tool_calls");
        assertThat(whole.usage().promptTokens()).isEqualTo(472);
        assertThat(whole.usage().completionTokens()).isEqualTo(89);
    }

    @Test
    void the_finish_reason_comes_before_a_usage_only_last_chunk() throws IOException {
        List<ChatChunk> chunks = drain(stream(fixture("text-then-tool-use.sse")));

        ChatChunk finish = chunks.get(chunks.size() - 2);
        assertThat(finish.choices().getFirst().finishReason()).isEqualTo("tool_calls");
        assertThat(finish.usage()).isNull();
        assertThat(chunks.getLast().choices()).isEmpty();
        assertThat(chunks.getLast().usage().totalTokens()).isEqualTo(472 + 89);
    }

    @Test
    void thinking_is_left_out_and_cached_input_counts_as_input() throws IOException {
        List<ChatChunk> chunks = drain(stream(fixture("thinking-then-text.sse")));

        ChatResponse whole = assembled(chunks);
        assertThat(whole.text()).isEqualTo("27 * 453 = 12,231");
        assertThat(whole.usage().promptTokens()).isEqualTo(120);
        assertThat(whole.usage().extra().get("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(100);
        assertThat(whole.usage().completionTokens()).isEqualTo(40);
    }

    @Test
    void an_error_event_fails_the_stream_after_the_chunks_before_it() throws IOException {
        MessagesChunkStream stream = stream(fixture("overloaded-mid-stream.sse"));
        List<String> texts = new ArrayList<>();

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                texts.add(chunk.get().choices().getFirst().delta().content());
            }
        });

        assertThat(texts).containsExactly("", "Hello");
        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(failure.status()).isEqualTo(503);
    }

    @Test
    void a_stream_cut_before_message_stop_is_an_error_not_a_quiet_end() throws IOException {
        String cut = fixture("text-then-tool-use.sse");
        cut = cut.substring(0, cut.indexOf("event: message_delta"));
        MessagesChunkStream stream = stream(cut);

        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> drain(stream));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.getMessage()).contains("before the answer was complete");
    }

    @Test
    void unknown_event_types_are_skipped() {
        List<ChatChunk> chunks = drain(stream("""
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}

                event: some_future_event
                data: {"type":"some_future_event","detail":true}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"future_delta","x":1}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}

                event: message_stop
                data: {"type":"message_stop"}

                """));

        assertThat(chunks).hasSize(3);
        assertThat(assembled(chunks).choices().getFirst().finishReason()).isEqualTo("stop");
    }

    @Test
    void closing_after_message_stop_lets_the_transport_keep_the_connection_and_closing_before_aborts()
            throws IOException {
        List<String> atEnd = new ArrayList<>();
        MessagesChunkStream complete = stream(fixture("text-then-tool-use.sse"), atEnd);
        drain(complete);
        complete.close();

        List<String> early = new ArrayList<>();
        MessagesChunkStream abandoned = stream(fixture("text-then-tool-use.sse"), early);
        abandoned.next();
        abandoned.close();

        assertThat(atEnd).containsExactly("closeAtEnd");
        assertThat(early).containsExactly("close");
    }
}
