package io.portcullis.runtime.admin;

import io.portcullis.runtime.Portcullis;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API on its own port: nothing without the right bearer token, and nothing at all without a token set. */
class AdminPlaneTest {

    private static final String CONFIG = """
            server: { port: 0 }
            admin: { port: 0, token: "${ADMIN_TOKEN:-}" }
            routes: [ { path: /v1/chat/completions, policies: [] } ]
            """;

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void answersOnlyTheConfiguredBearerToken() throws Exception {
        try (Portcullis gateway = start(Map.of("ADMIN_TOKEN", "s3cret-admin"))) {
            assertThat(gateway.adminPort()).isNotEqualTo(gateway.port());

            HttpResponse<String> none = get(gateway, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).contains("\"type\":\"authentication_error\"").contains("Authorization: Bearer");

            HttpResponse<String> wrong = get(gateway, "s3cret-admiN");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("not valid").doesNotContain("s3cret");

            HttpResponse<String> right = get(gateway, "s3cret-admin");
            assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
            assertThat(right.body()).contains("\"path\":\"/v1/chat/completions\"");
        }
    }

    @Test
    void refusesEveryCallAndSaysWhyWhenNoTokenIsConfigured() throws Exception {
        try (Portcullis gateway = start(Map.of())) {
            HttpResponse<String> refused = get(gateway, "anything");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("no admin token is configured").contains("admin.token");
        }
    }

    @Test
    void isNotServedOnTheClientPort() throws Exception {
        try (Portcullis gateway = start(Map.of("ADMIN_TOKEN", "s3cret-admin"))) {
            HttpResponse<String> onClientPort = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + gateway.port() + "/admin/routes"))
                    .header("Authorization", "Bearer s3cret-admin").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(onClientPort.statusCode()).isEqualTo(404);
        }
    }

    private Portcullis start(Map<String, String> env) throws Exception {
        GatewayConfig config = new ConfigLoader(env).parse(CONFIG, "admin-test.yaml");
        return Portcullis.start(config, home, "admin-test.yaml");
    }

    private HttpResponse<String> get(Portcullis gateway, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/routes"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
