package io.portcullis.plugins.pii;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.service.Metrics;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PiiPolicyTest {

    private final List<String> counted = new ArrayList<>();
    private final Metrics metrics = new Metrics() {
        @Override
        public void increment(String name, String... tags) {
            increment(name, 1, tags);
        }

        @Override
        public void increment(String name, double amount, String... tags) {
            counted.add(name + " " + String.join(",", tags) + " " + (int) amount);
        }

        @Override
        public void record(String name, Duration duration, String... tags) {
        }

        @Override
        public void observe(String name, double value, String... tags) {
        }
    };

    private static Exchange exchange(ChatRequest request) {
        return Exchange.of(request, "route", "req-1", Instant.now().plusSeconds(30), Map.of());
    }

    private static ChatRequest ask(String text) {
        return ChatRequest.of("m", List.of(Message.of(Message.USER, text)));
    }

    @Test
    void the_upstream_sees_placeholders_and_the_client_gets_its_values_back() {
        AtomicReference<ChatRequest> upstream = new AtomicReference<>();
        PiiPolicy policy = new PiiPolicy(PiiConfig.defaults(), metrics);
        ChatRequest request = new ChatRequest("m", List.of(
                Message.of(Message.SYSTEM, "Be brief."),
                Message.of(Message.USER, "Mail jane@example.com and jane@example.com, card 4111 1111 1111 1111"),
                new Message(Message.ASSISTANT, null, null, List.of(ToolCall.function("c1", "lookup",
                        "{\"email\":\"bob@example.org\"}")), null, null),
                new Message(Message.TOOL, io.portcullis.api.model.Content.text("ip 203.0.113.7"), null, null, "c1",
                        null)), null, null, null, null, null, null, null, null, "jane@example.com", null);

        Reply reply = policy.apply(exchange(request), exchange -> {
            upstream.set(exchange.chat().orElseThrow());
            return new Reply.Complete(ChatResponse.ofText("r", 1, "m",
                    "Sent to <EMAIL_1>, not <EMAIL_2>; card <CREDIT_CARD_1> from <IP_ADDRESS_1>; <EMAIL_9> stays",
                    "stop", null));
        });

        ChatRequest seen = upstream.get();
        assertThat(seen.messages().get(1).text()).isEqualTo("Mail <EMAIL_1> and <EMAIL_1>, card <CREDIT_CARD_1>");
        assertThat(seen.messages().get(2).toolCalls().get(0).function().arguments())
                .isEqualTo("{\"email\":\"<EMAIL_2>\"}");
        assertThat(seen.messages().get(3).text()).isEqualTo("ip <IP_ADDRESS_1>");
        assertThat(seen.user()).isEqualTo("<EMAIL_1>");
        assertThat(((Reply.Complete) reply).response().text()).isEqualTo("Sent to jane@example.com, not "
                + "bob@example.org; card 4111 1111 1111 1111 from 203.0.113.7; <EMAIL_9> stays");
        assertThat(counted).contains("portcullis.pii.detections type,EMAIL,action,mask,in,request 4",
                "portcullis.pii.detections type,CREDIT_CARD,action,mask,in,request 1");
        assertThat(String.join(" ", counted)).doesNotContain("jane", "4111");
    }

    @Test
    void block_refuses_with_a_400_that_names_the_type_and_field_but_not_the_value() {
        PiiPolicy policy = new PiiPolicy(new PiiConfig(null, Map.of("CREDIT_CARD", "block"), null, null, null, null,
                null, null, null), metrics);

        assertThatThrownBy(() -> policy.apply(exchange(ask("pay with 4111-1111-1111-1111")), e -> {
            throw new AssertionError("must not reach the upstream");
        })).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("CREDIT_CARD", "messages[0].content").doesNotContain("4111");
        });
        assertThat(counted).containsExactly("portcullis.pii.detections type,CREDIT_CARD,action,block,in,request 1");
    }

    @Test
    void redact_and_hash_replace_for_good_and_hash_is_stable_for_the_same_key() {
        PiiConfig config = new PiiConfig(null, Map.of("EMAIL", "hash", "US_SSN", "redact"), null, null, null,
                "a-cluster-wide-key-of-32-chars!!", null, null, null);
        AtomicReference<String> upstream = new AtomicReference<>();
        for (int i = 0; i < 2; i++) {
            String previous = upstream.get();
            new PiiPolicy(config, metrics).apply(exchange(ask("a@example.com ssn 123-45-6789")), e -> {
                upstream.set(e.chat().orElseThrow().lastUserText());
                return new Reply.Complete(ChatResponse.ofText("r", 1, "m", "ok", "stop", null));
            });
            assertThat(previous == null || previous.equals(upstream.get())).isTrue();
        }
        assertThat(upstream.get()).matches("<EMAIL#[0-9a-f]{16}> ssn \\[REDACTED]");
    }

    @Test
    void reply_scanning_masks_values_the_model_made_up_but_keeps_the_clients_own() {
        PiiConfig config = new PiiConfig(null, null, null, null, null, null, null, true, null);
        Reply reply = new PiiPolicy(config, metrics).apply(exchange(ask("I am jane@example.com")), e ->
                new Reply.Complete(ChatResponse.ofText("r", 1, "m", "Hi <EMAIL_1>, write to boss@example.com",
                        "stop", null)));

        assertThat(((Reply.Complete) reply).response().text()).isEqualTo("Hi jane@example.com, write to <EMAIL_2>");
    }

    @Test
    void a_placeholder_split_at_every_boundary_of_a_stream_is_restored_and_nothing_else_changes() {
        String value = "jane@example.com";
        String answer = "Hi <EMAIL_1>, a < b and <EMAIL_1>.";
        String expected = answer.replace("<EMAIL_1>", value);
        // Every way of cutting the answer in two, three pieces at every pair of cut points, and one char per chunk.
        List<List<String>> cuts = new ArrayList<>();
        for (int i = 1; i < answer.length(); i++) {
            cuts.add(List.of(answer.substring(0, i), answer.substring(i)));
            for (int j = i + 1; j < answer.length(); j++) {
                cuts.add(List.of(answer.substring(0, i), answer.substring(i, j), answer.substring(j)));
            }
        }
        cuts.add(answer.chars().mapToObj(c -> String.valueOf((char) c)).toList());

        for (List<String> pieces : cuts) {
            for (boolean finishChunk : new boolean[] {true, false}) {
                Reply reply = new PiiPolicy(PiiConfig.defaults(), metrics).apply(
                        exchange(ask("I am " + value).withStream(true)),
                        e -> new Reply.Streaming(stream(pieces, finishChunk)));
                List<String> out = drain(((Reply.Streaming) reply).chunks());

                assertThat(String.join("", out)).as("cut %s", pieces).isEqualTo(expected);
                int longest = "<EMAIL_1>".length();
                int emitted = 0;
                int received = 0;
                for (int k = 0; k < pieces.size(); k++) {
                    received += pieces.get(k).length();
                    emitted += out.get(k).replace(value, "<EMAIL_1>").length();
                    assertThat(received - emitted).as("held back after chunk %d of %s", k, pieces)
                            .isLessThan(longest);
                }
            }
        }
    }

    private static ChunkStream stream(List<String> pieces, boolean finishChunk) {
        List<ChatChunk> chunks = new ArrayList<>();
        for (String piece : pieces) {
            chunks.add(ChatChunk.ofText("s", 1, "m", piece));
        }
        if (finishChunk) {
            chunks.add(new ChatChunk("s", ChatChunk.OBJECT, 1, "m", List.of(new ChatChunk.Choice(0,
                    new ChatChunk.Delta(null, null, null, null), "stop", null)), null, null));
        }
        Iterator<ChatChunk> it = chunks.iterator();
        return new ChunkStream() {
            @Override
            public Optional<ChatChunk> next() {
                return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<String> drain(ChunkStream stream) {
        List<String> texts = new ArrayList<>();
        for (Optional<ChatChunk> chunk = stream.next(); chunk.isPresent(); chunk = stream.next()) {
            String content = chunk.get().choices().isEmpty() ? null : chunk.get().choices().get(0).delta().content();
            texts.add(content == null ? "" : content);
        }
        return texts;
    }
}
