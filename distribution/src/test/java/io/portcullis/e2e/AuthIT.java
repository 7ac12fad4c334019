package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.openai.client.OpenAIClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The auth plugin's JAR, loaded by PF4J in a real gateway, in front of the mock provider: the official OpenAI SDK with
 * a key, without one, with a wrong or expired one, with a JWT; and the raw answers, which must be OpenAI errors that
 * never tell whether a key exists.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthIT {

    private static final String KEY = "sk-team-a-key-0001";
    private static final String MOCK_ONLY_KEY = "sk-mock-only-0002";
    private static final String EXPIRED_KEY = "sk-expired-0003";
    private static final String JWT_SECRET = "jwt-secret-for-the-auth-it-32-bytes!";

    private RunningGateway gateway;
    private Http http;

    @BeforeAll
    void start(@TempDir Path plugins) {
        BuiltPlugins.copy(plugins, BuiltPlugins.MOCK, BuiltPlugins.AUTH);
        gateway = RunningGateway.start("""
                providers: [ { id: mock, type: mock, chunks: 3 } ]
                models:
                  - { name: mock, targets: [ { provider: mock } ] }
                  - { name: mock-large, targets: [ { provider: mock, model: mock } ] }
                routes:
                  - { path: /v1/chat/completions, policies: [ auth ] }
                policies:
                  auth:
                    keys:
                      - { id: team-a, key: "${TEAM_A_KEY}", tenant: acme }
                      - { id: mock-only, key: "%s", models: [ mock ] }
                      - { id: old, key: "%s", expiresAt: "2020-01-01" }
                    jwt: { secret: "%s", issuer: "https://login.test", audience: portcullis }
                """.formatted(MOCK_ONLY_KEY, EXPIRED_KEY, JWT_SECRET), plugins, Map.of("TEAM_A_KEY", KEY));
        http = new Http(gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Clients.closeAll(http, gateway);
    }

    private HttpResponse<String> chat(String model, Map<String, String> headers) {
        var request = http.request("/v1/chat/completions").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Http.chat(model, "Hello", false)));
        headers.forEach(request::header);
        return http.send(request.build());
    }

    @Test
    void the_openai_sdk_with_a_configured_key_gets_its_answer() {
        OpenAIClient client = Clients.openAi(gateway, KEY);
        try {
            assertThat(client.chat().completions().create(OpenAiSdkIT.chat("mock", "Hello")).choices().get(0)
                    .message().content()).hasValue("You said: Hello");
        } finally {
            client.close();
        }
    }

    @Test
    void the_openai_sdk_with_a_wrong_key_gets_an_unauthorized_error() {
        OpenAIClient client = Clients.openAi(gateway, "sk-team-a-key-0002");
        try {
            UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                    () -> client.chat().completions().create(OpenAiSdkIT.chat("mock", "Hello")));
            assertThat(e.statusCode()).isEqualTo(401);
        } finally {
            client.close();
        }
    }

    @Test
    void missing_wrong_and_expired_keys_get_the_same_openai_error_body_apart_from_the_request_id() {
        JsonNode missing = Http.assertOpenAiError(chat("mock", Map.of()), 401);
        JsonNode wrong = Http.assertOpenAiError(chat("mock", Map.of("Authorization", "Bearer sk-nope")), 401);
        JsonNode expired = Http.assertOpenAiError(chat("mock", Map.of("Authorization", "Bearer " + EXPIRED_KEY)),
                401);
        JsonNode nearMiss = Http.assertOpenAiError(chat("mock", Map.of("x-api-key", KEY + "x")), 401);

        assertThat(missing.path("type").asText()).isEqualTo("authentication_error");
        assertThat(missing.path("message").asText()).contains("Authorization: Bearer");
        assertThat(List.of(expired, nearMiss)).allSatisfy(error -> assertThat(error).isEqualTo(wrong));
        assertThat(wrong.toString()).doesNotContain("old").doesNotContain("team-a").doesNotContain("expired");
    }

    @Test
    void the_anthropic_sdks_x_api_key_header_opens_the_route_too() {
        assertThat(Http.replyText(chat("mock", Map.of("x-api-key", KEY)))).isEqualTo("You said: Hello");
    }

    @Test
    void a_key_used_for_a_model_outside_its_allow_list_gets_403_naming_the_model() {
        OpenAIClient client = Clients.openAi(gateway, MOCK_ONLY_KEY);
        try {
            assertThat(client.chat().completions().create(OpenAiSdkIT.chat("mock", "Hi")).choices()).hasSize(1);
            PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                    () -> client.chat().completions().create(OpenAiSdkIT.chat("mock-large", "Hi")));
            assertThat(e.statusCode()).isEqualTo(403);
        } finally {
            client.close();
        }
        JsonNode error = Http.assertOpenAiError(chat("mock-large",
                Map.of("Authorization", "Bearer " + MOCK_ONLY_KEY)), 403);
        assertThat(error.path("message").asText()).contains("'mock-large'");
        assertThat(error.path("type").asText()).isEqualTo("permission_error");
    }

    @Test
    void a_jwt_from_the_configured_issuer_works_with_the_sdk_and_a_forged_one_does_not() throws Exception {
        String token = jwt(JWT_SECRET, "https://login.test");
        OpenAIClient client = Clients.openAi(gateway, token);
        try {
            assertThat(client.chat().completions().create(OpenAiSdkIT.chat("mock", "Hello")).choices()).hasSize(1);
        } finally {
            client.close();
        }
        Http.assertOpenAiError(chat("mock", Map.of("Authorization", "Bearer "
                + jwt("another-secret-that-is-32-bytes-long", "https://login.test"))), 401);
        Http.assertOpenAiError(chat("mock", Map.of("Authorization", "Bearer "
                + jwt(JWT_SECRET, "https://elsewhere.test"))), 401);
    }

    private static String jwt(String secret, String issuer) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("alice")
                .issuer(issuer).audience("portcullis").expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }
}
