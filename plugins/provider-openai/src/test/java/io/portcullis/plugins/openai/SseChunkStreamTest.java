package io.portcullis.plugins.openai;

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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Stream endings that a well-behaved upstream (and so the simulator) never produces. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SseChunkStreamTest {

    private static final String TEXT = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n";
    private static final String FINISH = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";

    /** A response whose body is already all there. */
    private static final class Canned implements UpstreamResponse {
        private final InputStream body;
        private final AtomicInteger closes = new AtomicInteger();
        private final AtomicInteger closesAtEnd = new AtomicInteger();

        Canned(String body) {
            this.body = new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
        }

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
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        @Override
        public void closeAtEnd() {
            closesAtEnd.incrementAndGet();
        }
    }

    @Test
    void chunks_are_read_until_done_and_the_end_stays_the_end() {
        SseChunkStream stream = new SseChunkStream("p", new Canned(TEXT + FINISH + "data: [DONE]\n\n"));

        assertThat(stream.next()).hasValueSatisfying(chunk -> assertThat(chunk.choices().get(0).delta().content())
                .isEqualTo("hi"));
        assertThat(stream.next()).hasValueSatisfying(chunk -> assertThat(chunk.choices().get(0).finishReason())
                .isEqualTo("stop"));
        assertThat(stream.next()).isEmpty();
        assertThat(stream.next()).isEmpty();
    }

    @Test
    void a_stream_that_ends_after_its_finish_reason_without_done_ends_normally() {
        SseChunkStream stream = new SseChunkStream("p", new Canned(TEXT + FINISH));

        stream.next();
        stream.next();

        assertThat(stream.next()).isEmpty();
    }

    @Test
    void a_stream_that_ends_before_its_finish_reason_is_an_upstream_error() {
        SseChunkStream stream = new SseChunkStream("p", new Canned(TEXT));
        Optional<ChatChunk> first = stream.next();

        GatewayException failure = catchThrowableOfType(GatewayException.class, stream::next);

        assertThat(first).isPresent();
        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }

    @Test
    void an_error_event_is_an_upstream_error_whose_detail_stays_in_the_log() {
        SseChunkStream stream = new SseChunkStream("p", new Canned(TEXT
                + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n"));
        stream.next();

        GatewayException failure = catchThrowableOfType(GatewayException.class, stream::next);

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.getMessage()).isEqualTo("the upstream failed in the middle of its answer");
        assertThat(failure.getCause()).hasMessageContaining("The server had an error");
    }

    @Test
    void a_chunk_that_is_not_json_is_an_upstream_error() {
        SseChunkStream stream = new SseChunkStream("p", new Canned("data: {not json\n\n"));

        GatewayException failure = catchThrowableOfType(GatewayException.class, stream::next);

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
        assertThat(failure.getMessage()).isEqualTo("the upstream sent a stream chunk that the gateway cannot read");
    }

    @Test
    void close_closes_the_upstream_response_once() {
        Canned response = new Canned(TEXT);
        SseChunkStream stream = new SseChunkStream("p", response);

        stream.close();
        stream.close();

        assertThat(response.closes).hasValue(1);
    }

    @Test
    void closing_after_done_lets_the_transport_keep_the_connection() {
        Canned response = new Canned(TEXT + FINISH + "data: [DONE]\n\n");
        SseChunkStream stream = new SseChunkStream("p", response);
        while (stream.next().isPresent()) {
            // read to [DONE]
        }

        stream.close();

        assertThat(response.closesAtEnd).hasValue(1);
        assertThat(response.closes).as("no abort").hasValue(0);
    }

    @Test
    void closing_before_done_aborts() {
        Canned response = new Canned(TEXT + FINISH + "data: [DONE]\n\n");
        SseChunkStream stream = new SseChunkStream("p", response);
        stream.next();

        stream.close();

        assertThat(response.closes).hasValue(1);
        assertThat(response.closesAtEnd).hasValue(0);
    }
}
