package io.portcullis.runtime.pipeline;

import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.runtime.services.MicrometerMetrics;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a plugin reload waits for: the requests running on a generation of routes, streams until they are closed. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class InFlightTest {

    private final InFlight inFlight = new InFlight();
    private final AtomicBoolean upstreamClosed = new AtomicBoolean();

    @Test
    void a_complete_reply_counts_until_it_is_returned() {
        Pipeline pipeline = pipeline(exchange -> new Reply.Complete(ChatResponse.ofText("id", 0, "m", "hi", "stop",
                null)));

        pipeline.execute(exchange());

        assertThat(inFlight.count()).isZero();
    }

    @Test
    void a_stream_counts_until_it_is_closed_once_however_often_close_is_called() throws Exception {
        Pipeline pipeline = pipeline(exchange -> new Reply.Streaming(stream()));

        Reply.Streaming reply = (Reply.Streaming) pipeline.execute(exchange());
        assertThat(inFlight.count()).isEqualTo(1);
        CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() -> awaitIdle(Duration.ofMinutes(1)));
        assertThat(idle).isNotDone();

        reply.chunks().close();
        reply.chunks().close();

        assertThat(idle.get()).isTrue();
        assertThat(inFlight.count()).isZero();
        assertThat(upstreamClosed).isTrue();
    }

    @Test
    void a_failing_request_stops_counting() {
        Pipeline pipeline = pipeline(exchange -> {
            throw new IllegalStateException("the router broke");
        });

        assertThatThrownBy(() -> pipeline.execute(exchange())).hasMessage("the router broke");
        assertThat(inFlight.count()).isZero();
    }

    @Test
    void waiting_for_idle_gives_up_after_the_timeout_and_says_so() {
        pipeline(exchange -> new Reply.Streaming(stream())).execute(exchange());

        assertThat(awaitIdle(Duration.ofMillis(1))).isFalse();
    }

    private Pipeline pipeline(Terminal terminal) {
        return new Pipeline("/v1/chat/completions", List.of(), terminal, null, new MicrometerMetrics(), inFlight);
    }

    private boolean awaitIdle(Duration timeout) {
        try {
            return inFlight.awaitIdle(timeout);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private ChunkStream stream() {
        return new ChunkStream() {
            @Override
            public Optional<ChatChunk> next() {
                return Optional.empty();
            }

            @Override
            public void close() {
                upstreamClosed.set(true);
            }
        };
    }

    private static Exchange exchange() {
        return Exchange.of(ChatRequest.of("m", List.of(Message.of("user", "hi"))), "/v1/chat/completions", "req-1",
                Instant.now().plusSeconds(10), Map.of());
    }
}
