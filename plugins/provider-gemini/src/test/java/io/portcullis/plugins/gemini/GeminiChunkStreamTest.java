package io.portcullis.plugins.gemini;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.service.UpstreamResponse;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

/** Event streams as Gemini's documentation shows them, read into canonical chunks. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeminiChunkStreamTest {

    private static List<ChatChunk> read(String sse) {
        List<ChatChunk> chunks = new ArrayList<>();
        try (GeminiChunkStream stream = new GeminiChunkStream("gemini", "gemini-2.5-flash", 1L, response(sse))) {
            for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
                chunks.add(chunk.get());
            }
        }
        return chunks;
    }

    @Test
    void text_events_become_content_deltas_then_a_finish_and_a_usage_chunk() {
        List<ChatChunk> chunks = read("""
                data: {"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],\
                "usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.5-flash",\
                "responseId": "r1"}\r
                \r
                data: {"candidates": [{"content": {"parts": [{"text": " end."}],"role": "model"},\
                "finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,\
                "candidatesTokenCount": 3,"thoughtsTokenCount": 5,"totalTokenCount": 16},"responseId": "r1"}\r
                \r
                """);

        assertThat(chunks).hasSize(3);
        assertThat(chunks).map(ChatChunk::id).containsOnly("chatcmpl-r1");
        assertThat(chunks.get(0).choices().get(0).delta().role()).isEqualTo("assistant");
        assertThat(chunks.get(0).choices().get(0).delta().content()).isEqualTo("The");
        assertThat(chunks.get(1).choices().get(0).delta().role()).isNull();
        assertThat(chunks.get(1).choices().get(0).delta().content()).isEqualTo(" end.");
        assertThat(chunks.get(1).choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(chunks.get(2).choices()).isEmpty();
        assertThat(chunks.get(2).usage().promptTokens()).isEqualTo(8);
        assertThat(chunks.get(2).usage().completionTokens()).isEqualTo(8);
        assertThat(chunks.get(2).usage().totalTokens()).isEqualTo(16);
    }

    @Test
    void function_calls_in_later_events_keep_counting_their_indexes_and_ids() {
        List<ChatChunk> chunks = read("""
                data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "a","args": {"x": 1}}}],\
                "role": "model"},"index": 0}]}

                data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "b","args": {}}}],\
                "role": "model"},"finishReason": "STOP","index": 0}]}

                """);

        assertThat(chunks).flatMap(chunk -> chunk.choices().get(0).delta().toolCalls())
                .extracting(ChatChunk.ToolCallDelta::index, ChatChunk.ToolCallDelta::id)
                .containsExactly(tuple(0, "call_0_a"),
                        tuple(1, "call_1_b"));
        assertThat(chunks.get(1).choices().get(0).finishReason()).isEqualTo("tool_calls");
    }

    @Test
    void a_stream_cut_before_its_finish_reason_is_an_upstream_error() {
        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> read("""
                data: {"candidates": [{"content": {"parts": [{"text": "half"}]},"index": 0}]}

                """));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.getMessage()).contains("before the answer was complete");
    }

    @Test
    void an_error_event_is_an_upstream_error_without_its_details() {
        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> read("""
                data: {"error": {"code": 500,"message": "An internal error has occurred.","status": "INTERNAL"}}

                """));

        assertThat(failure.status()).isEqualTo(502);
        assertThat(failure.getMessage()).isEqualTo("the upstream failed in the middle of its answer");
    }

    @Test
    void a_safety_stop_after_some_text_is_a_content_filter_finish() {
        List<ChatChunk> chunks = read("""
                data: {"candidates": [{"content": {"parts": [{"text": "Well"}]},"index": 0}]}

                data: {"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [\
                {"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}]}]}

                """);

        ChatChunk.Choice last = chunks.getLast().choices().get(0);
        assertThat(last.finishReason()).isEqualTo("content_filter");
        assertThat(last.delta().extra().get("refusal").asText()).contains("SAFETY");
    }

    private static UpstreamResponse response(String body) {
        InputStream stream = new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
        return new UpstreamResponse() {
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
                return body;
            }

            @Override
            public void close() {
            }
        };
    }
}
