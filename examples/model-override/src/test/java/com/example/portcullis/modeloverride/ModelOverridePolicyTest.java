package com.example.portcullis.modeloverride;

import io.portcullis.testkit.GatewayHttp;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy in a real gateway, loaded from this build's classes, with the test kit's mock provider behind it. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelOverridePolicyTest {

    private static RunningGateway gateway;

    @BeforeAll
    static void start() {
        gateway = RunningGateway.builder().pluginUnderTest().mockProvider().config("""
                models:
                  - { name: small, targets: [ { provider: mock } ] }
                  - { name: large, targets: [ { provider: mock } ] }
                  - { name: secret, targets: [ { provider: mock } ] }
                routes: [ { path: /v1/chat/completions, policies: [ model-override ] } ]
                policies:
                  model-override: { header: x-model, allowed: [ small, large ] }
                """).start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void the_header_chooses_an_allowed_model_and_the_reply_says_which_was_asked_for() {
        HttpResponse<String> response = chat("small", "large");

        assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hi");
        assertThat(GatewayHttp.json(response).path("model").asText()).isEqualTo("large");
        assertThat(response.headers().firstValue("x-model-overridden-from")).hasValue("small");
    }

    @Test
    void without_the_header_the_body_s_model_is_used() {
        HttpResponse<String> response = chat("small", null);

        assertThat(GatewayHttp.json(response).path("model").asText()).isEqualTo("small");
        assertThat(response.headers().firstValue("x-model-overridden-from")).isEmpty();
    }

    @Test
    void a_model_the_configuration_does_not_allow_is_refused_with_a_403_that_says_what_is_allowed() {
        HttpResponse<String> response = chat("small", "secret");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(GatewayHttp.json(response).path("error").path("message").asText())
                .isEqualTo("model 'secret' may not be chosen with the x-model header; allowed: small, large");
    }

    private static HttpResponse<String> chat(String model, String header) {
        HttpRequest.Builder request = gateway.http().request("/v1/chat/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayHttp.chat(model, "hi")));
        if (header != null) {
            request.header("x-model", header);
        }
        return gateway.http().send(request.build());
    }
}
