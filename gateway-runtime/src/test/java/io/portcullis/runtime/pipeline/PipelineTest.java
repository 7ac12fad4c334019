package io.portcullis.runtime.pipeline;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.Reply;
import io.portcullis.runtime.services.MicrometerMetrics;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PipelineTest {

    private final List<String> trace = new ArrayList<>();
    private final MicrometerMetrics metrics = new MicrometerMetrics();
    private final Terminal echo = exchange -> {
        trace.add("terminal sees " + ((ChatRequest) exchange.request()).lastUserText());
        return new Reply.Complete(ChatResponse.ofText("id", 0, "m", "answer", "stop", null));
    };

    @Test
    void policies_run_in_order_on_the_way_in_and_in_reverse_on_the_way_out() {
        Pipeline pipeline = pipeline(link("a", tagging("a")), link("b", tagging("b")));

        Reply reply = pipeline.execute(exchange("hi"));

        assertThat(trace).containsExactly("terminal sees hi+a+b");
        assertThat(((Reply.Complete) reply).response().text()).isEqualTo("answer<b<a");
    }

    @Test
    void a_policy_may_answer_without_proceeding() {
        Pipeline pipeline = pipeline(link("deny", (exchange, chain) -> {
            throw new GatewayException(ErrorCode.PERMISSION_DENIED, "no");
        }), link("b", tagging("b")));

        assertThatThrownBy(() -> pipeline.execute(exchange("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(trace).isEmpty();
    }

    @Test
    void calling_proceed_twice_fails_the_request_naming_the_policy() {
        Pipeline pipeline = pipeline(link("greedy", (exchange, chain) -> {
            chain.proceed(exchange);
            return chain.proceed(exchange);
        }));

        assertThatThrownBy(() -> pipeline.execute(exchange("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.getMessage()).contains("policy 'greedy' failed");
                    assertThat(e.getCause()).hasMessage("policy 'greedy' called proceed() more than once");
                });
    }

    @Test
    void a_null_reply_is_refused_naming_the_policy() {
        Pipeline pipeline = pipeline(link("lazy", (exchange, chain) -> null));

        assertThatThrownBy(() -> pipeline.execute(exchange("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.getMessage()).startsWith("policy 'lazy' returned no reply").contains("req-1");
                });
    }

    @Test
    void a_failing_fail_closed_policy_gives_a_500_that_names_it_and_the_request_id() {
        Pipeline pipeline = pipeline(link("broken", (exchange, chain) -> {
            throw new IllegalStateException("bug");
        }));

        assertThatThrownBy(() -> pipeline.execute(exchange("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.getMessage()).contains("'broken'").contains("req-1").doesNotContain("bug");
                });
        assertThat(trace).isEmpty();
    }

    @Test
    void a_failing_fail_open_policy_is_skipped_and_counted() {
        Pipeline pipeline = pipeline(new PolicyLink("flaky", (exchange, chain) -> {
            throw new IllegalStateException("bug");
        }, true), link("b", tagging("b")));

        Reply reply = pipeline.execute(exchange("hi"));

        assertThat(trace).containsExactly("terminal sees hi+b");
        assertThat(((Reply.Complete) reply).response().text()).isEqualTo("answer<b");
        assertThat(metrics.scrape()).contains("portcullis_policy_skipped_total{policy=\"flaky\"} 1.0");
    }

    @Test
    void a_fail_open_policy_that_fails_after_proceeding_keeps_the_downstream_reply() {
        Pipeline pipeline = pipeline(new PolicyLink("late", (exchange, chain) -> {
            chain.proceed(exchange);
            throw new IllegalStateException("bug after proceed");
        }, true));

        Reply reply = pipeline.execute(exchange("hi"));

        assertThat(trace).containsExactly("terminal sees hi");
        assertThat(((Reply.Complete) reply).response().text()).isEqualTo("answer");
    }

    @Test
    void a_route_without_its_policy_plugin_answers_503_with_the_reason() {
        Pipeline pipeline = new Pipeline("/v1/chat/completions", List.of(), echo, "policy 'auth' is missing", metrics);

        assertThatThrownBy(() -> pipeline.execute(exchange("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).isEqualTo("policy 'auth' is missing");
                });
    }

    private Pipeline pipeline(PolicyLink... links) {
        return new Pipeline("/v1/chat/completions", List.of(links), echo, null, metrics);
    }

    private static PolicyLink link(String name, Policy policy) {
        return new PolicyLink(name, policy, false);
    }

    /** Appends +tag to the user's text on the way in and <tag to the answer on the way out. */
    private static Policy tagging(String tag) {
        return (exchange, chain) -> {
            ChatRequest request = (ChatRequest) exchange.request();
            String text = request.lastUserText() + "+" + tag;
            Reply reply = chain.proceed(exchange.with(request.withMessages(List.of(Message.of("user", text)))));
            ChatResponse response = ((Reply.Complete) reply).response();
            return new Reply.Complete(ChatResponse.ofText(response.id(), 0, "m", response.text() + "<" + tag, "stop",
                    null));
        };
    }

    private static Exchange exchange(String text) {
        return Exchange.of(ChatRequest.of("m", List.of(Message.of("user", text))), "/v1/chat/completions", "req-1",
                Instant.now().plusSeconds(10), Map.of());
    }
}
