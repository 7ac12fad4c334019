package io.portcullis.runtime.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.runtime.Portcullis;
import io.portcullis.runtime.cluster.ClusterApiKeys;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /admin/keys} and {@code /admin/cluster} on two real nodes of one cluster: keys created through one node's
 * admin API open requests on the other at once; without the admin token nothing is answered and nothing changes.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AdminKeysTest {

    private static final String TOKEN = "admin-" + UUID.randomUUID();

    @TempDir
    static Path home;

    private static Portcullis a;
    private static Portcullis b;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startTwoNodes() throws Exception {
        String name = "portcullis-test-" + UUID.randomUUID();
        a = start(name, List.of());
        b = start(name, List.of(a.cluster().address()));
        await().until(() -> a.cluster().members().size() == 2 && b.cluster().members().size() == 2);
    }

    private static Portcullis start(String clusterName, List<String> members) throws Exception {
        String yaml = """
                server: { port: 0 }
                admin: { port: 0, token: "%s" }
                cluster: { name: "%s", port: 0, members: [ %s ] }
                """.formatted(TOKEN, clusterName, String.join(", ", members));
        GatewayConfig config = new ConfigLoader(Map.of()).parse(yaml, "admin-keys-test.yaml");
        return Portcullis.start(config, home, "admin-keys-test.yaml");
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void a_key_created_on_one_node_works_on_the_other_at_once_and_its_revocation_everywhere_within_a_second()
            throws Exception {
        HttpResponse<String> created = call(a, "POST", "/admin/keys", TOKEN, """
                {"name": "ci", "models": ["mock", "gpt-4o-mini"], "tenant": "team-a",
                 "requestsPerMinute": 60, "tokensPerMinute": 40000, "expiresInSeconds": 3600}
                """);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode key = Json.mapper().readTree(created.body());
        String secret = key.get("key").asText();
        String id = key.get("id").asText();
        assertThat(secret).startsWith("sk-pc-");
        assertThat(key.get("models")).hasSize(2);
        assertThat(key.get("tenant").asText()).isEqualTo("team-a");
        assertThat(key.get("requestsPerMinute").asLong()).isEqualTo(60);
        assertThat(Instant.parse(key.get("expiresAt").asText())).isAfter(Instant.now().plusSeconds(3500));

        // Node b knows the key at once.
        ClusterApiKeys onB = new ClusterApiKeys(b.cluster().hazelcast());
        assertThat(onB.find(secret)).get().satisfies(found -> {
            assertThat(found.id()).isEqualTo(id);
            assertThat(found.principal().mayUse("gpt-4o-mini")).isTrue();
            assertThat(found.principal().mayUse("gpt-4o")).isFalse();
        });
        HttpResponse<String> listed = call(b, "GET", "/admin/keys", TOKEN, null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains(id).contains("\"name\":\"ci\"")
                .doesNotContain(secret).doesNotContain(secret.substring(6, 20));
        JsonNode listedKey = Json.mapper().readTree(listed.body()).get("data").get(0);
        assertThat(listedKey.has("key")).isFalse();
        assertThat(listedKey.has("hash")).isFalse();

        HttpResponse<String> revoked = call(b, "DELETE", "/admin/keys/" + id, TOKEN, null);
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(revoked.body()).contains("\"deleted\":true");
        ClusterApiKeys onA = new ClusterApiKeys(a.cluster().hazelcast());
        await().atMost(Duration.ofSeconds(1)).until(() -> onA.find(secret).isEmpty() && onB.find(secret).isEmpty());

        HttpResponse<String> again = call(a, "DELETE", "/admin/keys/" + id, TOKEN, null);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).contains("\"type\":\"not_found_error\"").contains(id);
    }

    @Test
    void without_the_admin_token_nothing_is_answered_and_nothing_changes() throws Exception {
        HttpResponse<String> created = call(a, "POST", "/admin/keys", TOKEN, "{\"name\": \"keep\"}");
        String id = Json.mapper().readTree(created.body()).get("id").asText();
        String before = call(b, "GET", "/admin/keys", TOKEN, null).body();

        for (String token : new String[] {null, "wrong", TOKEN.toUpperCase(), TOKEN + "x", TOKEN.substring(1)}) {
            for (Portcullis node : List.of(a, b)) {
                HttpResponse<String> create = call(node, "POST", "/admin/keys", token, "{\"name\": \"intruder\"}");
                HttpResponse<String> list = call(node, "GET", "/admin/keys", token, null);
                HttpResponse<String> delete = call(node, "DELETE", "/admin/keys/" + id, token, null);
                HttpResponse<String> cluster = call(node, "GET", "/admin/cluster", token, null);
                for (HttpResponse<String> refused : List.of(create, list, delete, cluster)) {
                    assertThat(refused.statusCode()).as(String.valueOf(token)).isEqualTo(401);
                    assertThat(refused.body()).contains("\"type\":\"authentication_error\"").doesNotContain(id);
                }
            }
        }
        assertThat(call(a, "GET", "/admin/keys", TOKEN, null).body()).isEqualTo(before).contains(id)
                .doesNotContain("intruder");
    }

    @Test
    void a_bad_key_request_is_refused_in_openai_s_format_naming_the_field() throws Exception {
        int before = keysListed();
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"models\": [\"mock\"]}"), "name", "name: is required");
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"name\": \"x\", \"requestsPerMinute\": 0}"),
                "requestsPerMinute", "expected a positive number");
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"name\": \"x\", \"expiresAt\": \"2001-01-01T00:00:00Z\"}"),
                "expiresAt", "in the past");
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"name\": \"x\", \"expiresAt\": \"tomorrow\"}"),
                "expiresAt", "ISO-8601");
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"name\": \"x\", \"colour\": \"red\"}"),
                "colour", "unknown key");
        assertInvalid(call(a, "POST", "/admin/keys", TOKEN, "{\"name\": "), null, "malformed JSON");
        assertThat(keysListed()).isEqualTo(before);
    }

    @Test
    void the_cluster_endpoint_lists_the_members_and_names_this_node() throws Exception {
        for (Portcullis node : List.of(a, b)) {
            HttpResponse<String> answer = call(node, "GET", "/admin/cluster", TOKEN, null);
            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode cluster = Json.mapper().readTree(answer.body());
            assertThat(cluster.get("name").asText()).isEqualTo(a.cluster().name());
            assertThat(cluster.get("thisNode").asText()).isEqualTo(node.cluster().address());
            assertThat(cluster.get("members")).hasSize(2);
            assertThat(cluster.get("members").findValuesAsText("address"))
                    .containsExactly(a.cluster().address(), b.cluster().address());
        }
    }

    private int keysListed() throws Exception {
        return Json.mapper().readTree(call(b, "GET", "/admin/keys", TOKEN, null).body()).get("data").size();
    }

    private static void assertInvalid(HttpResponse<String> answer, String param, String message) throws Exception {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        JsonNode error = Json.mapper().readTree(answer.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(message);
        if (param == null) {
            assertThat(error.get("param").isNull()).isTrue();
        } else {
            assertThat(error.get("param").asText()).isEqualTo(param);
        }
    }

    private HttpResponse<String> call(Portcullis node, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
