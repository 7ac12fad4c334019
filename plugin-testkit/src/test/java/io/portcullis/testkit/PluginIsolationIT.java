package io.portcullis.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.api.ApiVersion;
import io.portcullis.api.policy.PolicyFactory;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a plugin can and cannot do to the gateway and to other routes: bring its own libraries, bundle the API by
 * mistake, be built for another API, fail to start, throw on every request.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PluginIsolationIT {

    /** jackson-core of another version than the platform's, copied here by the build (see this module's pom). */
    private static final Path OTHER_JACKSON = Path.of(System.getProperty("portcullis.test.other.jackson",
            "target/other-jackson-not-set.jar"));

    private static final String CHAT = "/v1/chat/completions";

    @TempDir
    Path work;

    @Test
    void a_plugin_bundling_another_jackson_uses_its_own_and_the_gateway_keeps_the_platforms() {
        Path jar = PluginJars.plugin("jackson-version", "1.0.0").extension(JacksonVersionPolicyFactory.class)
                .library(OTHER_JACKSON).writeTo(work.resolve("jackson-version.jar"));

        try (RunningGateway gateway = RunningGateway.builder().plugin(jar).mockProvider()
                .config("routes: [ { path: /v1/chat/completions, policies: [ jackson-version ] } ]").start()) {
            HttpResponse<String> response = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hi");
            String platformJackson = new JsonFactory().version().toString();
            assertThat(response.headers().firstValue("x-plugin-jackson")).hasValueSatisfying(version ->
                    assertThat(version).isEqualTo(OTHER_JACKSON.getFileName().toString()
                            .replace("jackson-core-", "").replace(".jar", "")).isNotEqualTo(platformJackson));
            assertThat(response.headers().firstValue("x-plugin-api-shared")).hasValue("true");
        }
    }

    @Test
    void a_fat_plugin_jar_that_bundles_plugin_api_still_shares_the_platforms_api_classes() throws Exception {
        Path api = Path.of(PolicyFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = PluginJars.plugin("fat", "1.0.0").extension(JacksonVersionPolicyFactory.class).library(api)
                .writeTo(work.resolve("fat.jar"));

        try (RunningGateway gateway = RunningGateway.builder().plugin(jar).mockProvider()
                .config("routes: [ { path: /v1/chat/completions, policies: [ jackson-version ] } ]").start()) {
            HttpResponse<String> response = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hi");
            assertThat(response.headers().firstValue("x-plugin-api-shared")).hasValue("true");
        }
    }

    @Test
    void a_plugin_built_for_another_api_major_is_refused_and_its_route_says_why_with_both_versions() {
        Path jar = PluginJars.plugin("from-the-future", "3.0.0").requires(">=2.0.0 & <3.0.0")
                .extension(StampPolicyFactory.class).writeTo(work.resolve("from-the-future.jar"));

        try (RunningGateway gateway = RunningGateway.builder().plugin(jar).mockProvider().config("""
                routes: [ { path: /v1/chat/completions, policies: [ stamp ] }, { path: /v1/embeddings, policies: [] } ]
                policies: { stamp: { header: x-stamp, value: v } }
                """).start()) {
            HttpResponse<String> refused = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(GatewayHttp.json(refused).path("error").path("message").asText())
                    .contains("policy 'stamp'").contains("from-the-future.jar")
                    .contains(">=2.0.0 & <3.0.0").contains(ApiVersion.current());
            assertThat(embeddings(gateway).statusCode()).as("the other route").isEqualTo(200);
        }
    }

    @Test
    void a_plugin_that_throws_in_start_takes_down_only_the_routes_that_use_it() {
        Path jar = PluginJars.plugin("failing", "1.0.0").pluginClass(FailingStartPlugin.class)
                .extension(StampPolicyFactory.class).writeTo(work.resolve("failing.jar"));

        try (RunningGateway gateway = RunningGateway.builder().plugin(jar).mockProvider().config("""
                routes: [ { path: /v1/chat/completions, policies: [ stamp ] }, { path: /v1/embeddings, policies: [] } ]
                policies: { stamp: { header: x-stamp, value: v } }
                """).start()) {
            HttpResponse<String> refused = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(refused.statusCode()).isEqualTo(503);
            JsonNode error = GatewayHttp.json(refused).path("error");
            assertThat(error.path("message").asText()).contains("route /v1/chat/completions is unavailable")
                    .contains("policy 'stamp'").contains("failing.jar did not start")
                    .contains("/health/ready say why");
            assertThat(refused.body()).doesNotContain("at io.").doesNotContain("Exception");
            assertThat(GatewayHttp.json(gateway.http().get("/health/ready")).path("problems").toString())
                    .contains("failing.jar").contains(FailingStartPlugin.MESSAGE);
            assertThat(embeddings(gateway).statusCode()).as("the other route").isEqualTo(200);
        }
    }

    @Test
    void a_fail_open_policy_that_throws_per_request_is_skipped_logged_and_counted() {
        try (RunningGateway gateway = RunningGateway.builder().plugin(throwingPlugin()).mockProvider().config("""
                routes: [ { path: /v1/chat/completions, policies: [ throwing ] } ]
                policies: { throwing: { failOpen: true } }
                """).start()) {
            HttpResponse<String> response = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(GatewayHttp.replyText(response)).isEqualTo("You said: hi");
            assertThat(gateway.http().get("/metrics").body())
                    .containsPattern("portcullis_policy_skipped_total\\{policy=\"throwing\"} 1\\.0");
        }
    }

    @Test
    void a_fail_closed_policy_that_throws_per_request_fails_it_with_a_500_naming_the_policy() {
        try (RunningGateway gateway = RunningGateway.builder().plugin(throwingPlugin()).mockProvider().config("""
                routes: [ { path: /v1/chat/completions, policies: [ throwing ] } ]
                """).start()) {
            HttpResponse<String> response = gateway.http().post(CHAT, GatewayHttp.chat(RunningGateway.MODEL, "hi"));

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(GatewayHttp.json(response).path("error").path("message").asText())
                    .contains("policy 'throwing' failed").contains("request id")
                    .doesNotContain(ThrowingPolicyFactory.MESSAGE);
        }
    }

    private Path throwingPlugin() {
        return PluginJars.plugin("throwing", "1.0.0").extension(ThrowingPolicyFactory.class)
                .writeTo(work.resolve("throwing.jar"));
    }

    private static HttpResponse<String> embeddings(RunningGateway gateway) {
        return gateway.http().post("/v1/embeddings",
                "{\"model\":\"" + RunningGateway.MODEL + "\",\"input\":\"hello\"}");
    }
}
