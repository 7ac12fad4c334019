package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.service.ApiKeys;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AuthPolicyTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final String SECRET = "sk-team-a-0123456789";
    private static final String ADMIN_SECRET = "sk-admin-made-9876543210";

    private final CountingMetrics metrics = new CountingMetrics();
    private final FakeApiKeys apiKeys = new FakeApiKeys().add(ADMIN_SECRET, new ApiKeys.ApiKey("k-admin", "ops",
            "acme", Set.of("mock"), new Principal.Limits(5L, null), NOW.minusSeconds(60), null));
    private final Requests.RecordingChain chain = new Requests.RecordingChain();

    private AuthPolicy policy(KeyEntry... keys) {
        return new AuthPolicy(new ConfiguredKeys(List.of(keys)), apiKeys, null, metrics,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static KeyEntry hashed(String id, String secret, List<String> models, String expiresAt) {
        return new KeyEntry(id, "sha256:" + HexFormat.of().formatHex(Digests.sha256(secret)), null, "team-a", models,
                10L, 1000L, expiresAt);
    }

    private GatewayException refused(AuthPolicy policy, String model, Map<String, String> headers) {
        return catchThrowableOfType(GatewayException.class,
                () -> policy.apply(Requests.chat(model, headers), chain));
    }

    @Test
    void a_configured_key_in_the_bearer_header_sets_the_principal_for_later_policies() {
        policy(hashed("team-a", SECRET, null, null)).apply(
                Requests.chat("mock", Map.of("authorization", "Bearer " + SECRET)), chain);

        assertThat(chain.principal.get()).isEqualTo(new Principal("team-a", "team-a", Set.of("*"),
                new Principal.Limits(10L, 1000L)));
    }

    @Test
    void the_x_api_key_header_of_the_anthropic_sdk_works_too() {
        policy(hashed("team-a", SECRET, null, null)).apply(Requests.chat("mock", Map.of("x-api-key", SECRET)), chain);

        assertThat(chain.principal.get().id()).isEqualTo("team-a");
    }

    @Test
    void a_key_given_in_plain_text_is_hashed_at_load_and_works() {
        KeyEntry fromEnv = new KeyEntry("env", null, SECRET, null, null, null, null, null);

        policy(fromEnv).apply(Requests.chat("mock", Map.of("authorization", "bearer " + SECRET)), chain);

        assertThat(chain.principal.get().id()).isEqualTo("env");
        assertThat(fromEnv.digest()).isEqualTo(hashed("x", SECRET, null, null).digest());
    }

    @Test
    void a_request_without_credentials_gets_401_saying_how_to_send_them() {
        GatewayException e = refused(policy(hashed("team-a", SECRET, null, null)), "mock", Map.of());

        assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.getMessage()).contains("Authorization: Bearer").contains("x-api-key");
        assertThat(chain.principal.get()).isNull();
    }

    @Test
    void wrong_expired_and_revoked_keys_get_the_same_401_that_does_not_say_whether_the_key_exists() {
        AuthPolicy policy = policy(hashed("team-a", SECRET, null, null),
                hashed("old", "sk-old-key-000", null, "2026-05-31"));
        GatewayException wrong = refused(policy, "mock", Map.of("authorization", "Bearer sk-team-a-0123456788"));
        GatewayException expired = refused(policy, "mock", Map.of("authorization", "Bearer sk-old-key-000"));
        apiKeys.revoke(ADMIN_SECRET);
        GatewayException revoked = refused(policy, "mock", Map.of("authorization", "Bearer " + ADMIN_SECRET));

        for (GatewayException e : List.of(wrong, expired, revoked)) {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).isEqualTo(AuthPolicy.INVALID).doesNotContain("team-a").doesNotContain("old");
        }
        assertThat(metrics.increments).containsExactly("auth.failuresreason,unknown_key",
                "auth.failuresreason,expired", "auth.failuresreason,unknown_key");
        assertThat(chain.principal.get()).isNull();
    }

    @Test
    void a_key_made_through_the_admin_api_opens_requests_with_its_tenant_models_and_limits() {
        policy().apply(Requests.chat("mock", Map.of("x-api-key", ADMIN_SECRET)), chain);

        assertThat(chain.principal.get()).isEqualTo(new Principal("k-admin", "acme", Set.of("mock"),
                new Principal.Limits(5L, null)));
    }

    @Test
    void an_expired_admin_key_is_refused() {
        apiKeys.add("sk-expired-admin", new ApiKeys.ApiKey("k-old", "old", null, null, null, NOW.minusSeconds(120),
                NOW.minusSeconds(1)));

        assertThat(refused(policy(), "mock", Map.of("x-api-key", "sk-expired-admin")).status()).isEqualTo(401);
    }

    @Test
    void a_model_outside_the_keys_allow_list_gets_403_naming_the_model() {
        GatewayException e = refused(policy(hashed("team-a", SECRET, List.of("mock"), null)), "gpt-4o",
                Map.of("authorization", "Bearer " + SECRET));

        assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.getMessage()).contains("'gpt-4o'");
        assertThat(e.param()).isEqualTo("model");
        assertThat(chain.principal.get()).isNull();
    }

    @Test
    void a_key_before_its_expiry_still_works() {
        policy(hashed("team-a", SECRET, null, "2026-06-01T12:00:01Z")).apply(
                Requests.chat("mock", Map.of("x-api-key", SECRET)), chain);

        assertThat(chain.principal.get().id()).isEqualTo("team-a");
    }
}
