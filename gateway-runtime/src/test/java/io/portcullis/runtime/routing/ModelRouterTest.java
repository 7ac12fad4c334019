package io.portcullis.runtime.routing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelRouterTest {

    /** Upstream model name → what the scripted provider does with it: answer, or fail with that status. */
    private final Map<String, Integer> failures = new java.util.HashMap<>();
    private final List<String> calls = new ArrayList<>();

    private final ModelRouter router = new ModelRouter(List.of(
            model("primary", List.of(target("a", "a-model")), List.of("backup")),
            model("backup", List.of(target("b", "b-model")), List.of()),
            model("offline", List.of(target("off", "x")), List.of())),
            registry());

    @Test
    void the_public_name_goes_to_its_target_under_the_upstream_name_and_comes_back_under_the_public_one() {
        Reply reply = router.answer(exchange("primary"));

        assertThat(calls).containsExactly("a:a-model");
        assertThat(((Reply.Complete) reply).response().model()).isEqualTo("primary");
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "a");
    }

    @Test
    void a_retryable_failure_falls_back_to_the_next_model_and_both_attempts_are_recorded() {
        failures.put("a-model", 503);
        RequestRecord record = new RequestRecord();

        Reply reply = router.answer(exchange("primary").with(RequestRecord.KEY, record));

        assertThat(calls).containsExactly("a:a-model", "b:b-model");
        assertThat(reply.headers()).containsEntry(ModelRouter.PROVIDER_HEADER, "b");
        assertThat(record.attempts()).containsExactly("a/a-model=503", "b/b-model=ok");
        assertThat(record.provider()).isEqualTo("b");
    }

    @Test
    void a_client_error_is_not_retried_elsewhere() {
        failures.put("a-model", 400);

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("primary")));

        assertThat(failure.status()).isEqualTo(400);
        assertThat(calls).containsExactly("a:a-model");
    }

    @Test
    void when_every_candidate_fails_the_last_failure_is_reported() {
        failures.put("a-model", 503);
        failures.put("b-model", 429);

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("primary")));

        assertThat(failure.status()).isEqualTo(429);
        assertThat(calls).containsExactly("a:a-model", "b:b-model");
    }

    @Test
    void an_unknown_model_is_404_naming_it() {
        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("gpt-9")));

        assertThat(failure.status()).isEqualTo(404);
        assertThat(failure.param()).isEqualTo("model");
        assertThat(failure.getMessage()).contains("'gpt-9'");
    }

    @Test
    void a_model_whose_provider_is_switched_off_is_503_with_the_reason_and_is_not_listed() {
        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> router.answer(exchange("offline")));

        assertThat(failure.code()).isEqualTo(ErrorCode.UPSTREAM_UNAVAILABLE);
        assertThat(failure.getMessage()).contains("switched off");
        assertThat(router.availableModels()).extracting(ModelInfo::id).containsExactly("primary", "backup");
    }

    private ProviderRegistry registry() {
        ProviderFactory<Void> scripted = new ProviderFactory<>() {
            @Override
            public String type() {
                return "scripted";
            }

            @Override
            public Class<Void> configType() {
                return Void.class;
            }

            @Override
            public Provider create(String id, Void config) {
                return new ScriptedProvider(id);
            }
        };
        List<GatewayConfig.ProviderEntry> entries = List.of(
                new GatewayConfig.ProviderEntry("a", "scripted", true, JsonNodeFactory.instance.objectNode()),
                new GatewayConfig.ProviderEntry("b", "scripted", true, JsonNodeFactory.instance.objectNode()),
                new GatewayConfig.ProviderEntry("off", "scripted", false, JsonNodeFactory.instance.objectNode()));
        return ProviderRegistry.build(entries, Map.of("scripted", scripted), new ConfigLoader(Map.of()), "test");
    }

    private final class ScriptedProvider implements Provider {
        private final String id;

        ScriptedProvider(String id) {
            this.id = id;
        }

        @Override
        public ChatResponse chat(ChatRequest request, CallContext call) {
            calls.add(id + ":" + request.model());
            Integer status = failures.get(request.model());
            if (status != null) {
                throw new GatewayException(status >= 500 ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_REJECTED,
                        status, "scripted failure", null, Map.of(), null);
            }
            return ChatResponse.ofText("id", 0, request.model(), "from " + id, "stop", null);
        }

        @Override
        public ChunkStream stream(ChatRequest request, CallContext call) {
            throw new AssertionError("the router tests send no streamed requests");
        }

        @Override
        public List<ModelInfo> models() {
            return List.of();
        }
    }

    private static GatewayConfig.ModelEntry model(String name, List<GatewayConfig.ModelEntry.Target> targets,
                                                  List<String> fallbacks) {
        return new GatewayConfig.ModelEntry(name, targets, fallbacks);
    }

    private static GatewayConfig.ModelEntry.Target target(String provider, String model) {
        return new GatewayConfig.ModelEntry.Target(provider, model, null);
    }

    private static Exchange exchange(String model) {
        return Exchange.of(ChatRequest.of(model, List.of(Message.of("user", "hi"))), "/v1/chat/completions",
                "req-1", Instant.now().plusSeconds(10), Map.of());
    }
}
