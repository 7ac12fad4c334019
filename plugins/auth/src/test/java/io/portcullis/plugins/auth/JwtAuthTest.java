package io.portcullis.plugins.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.portcullis.api.context.Principal;
import io.portcullis.api.error.GatewayException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JwtAuthTest {

    private static final String SECRET = "a-shared-secret-of-at-least-32-bytes!";
    private static final String ISSUER = "https://login.example.test";
    private static final String AUDIENCE = "portcullis";

    private static RSAKey issuerKey;
    private static RSAKey strangerKey;

    private final CountingMetrics metrics = new CountingMetrics();
    private final Requests.RecordingChain chain = new Requests.RecordingChain();

    @BeforeAll
    static void keys() throws JOSEException {
        issuerKey = new RSAKeyGenerator(2048).keyID("issuer-1").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("issuer-1").generate();
    }

    private AuthPolicy policy(JwtConfig jwt) {
        return new AuthPolicy(new ConfiguredKeys(List.of()), null, new JwtVerifier(jwt), metrics, Clock.systemUTC());
    }

    private static JwtConfig hs256() {
        return new JwtConfig(SECRET, null, null, ISSUER, AUDIENCE, "org", "models", 0);
    }

    private static String token(JWSSigner signer, JWSAlgorithm algorithm, String keyId,
                                UnaryOperator<JWTClaimsSet.Builder> change) throws JOSEException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).claim("org", "acme")
                .claim("models", List.of("mock", "gpt-4o-mini"));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(),
                change.apply(claims).build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String hsToken(UnaryOperator<JWTClaimsSet.Builder> change) throws JOSEException {
        return token(new MACSigner(SECRET), JWSAlgorithm.HS256, null, change);
    }

    private GatewayException refused(AuthPolicy policy, String token) {
        return catchThrowableOfType(GatewayException.class, () -> policy.apply(
                Requests.chat("mock", Map.of("authorization", "Bearer " + token)), chain));
    }

    @Test
    void a_valid_hs256_token_maps_its_claims_to_the_principal() throws Exception {
        policy(hs256()).apply(Requests.chat("mock", Map.of("authorization", "Bearer " + hsToken(c -> c))), chain);

        assertThat(chain.principal.get()).isEqualTo(new Principal("jwt:alice", "acme", Set.of("mock", "gpt-4o-mini"),
                null));
    }

    @Test
    void a_token_signed_with_another_secret_is_refused() throws Exception {
        String forged = token(new MACSigner("another-secret-that-is-32-bytes-long"), JWSAlgorithm.HS256, null,
                c -> c);

        assertThat(refused(policy(hs256()), forged).getMessage()).isEqualTo(AuthPolicy.INVALID);
        assertThat(metrics.increments).containsExactly("auth.failuresreason,token_invalid");
    }

    @Test
    void a_token_with_a_tampered_payload_is_refused() throws Exception {
        String[] parts = hsToken(c -> c).split("\\.");
        String otherPayload = hsToken(c -> c.subject("mallory")).split("\\.")[1];

        assertThat(refused(policy(hs256()), parts[0] + "." + otherPayload + "." + parts[2]).status()).isEqualTo(401);
    }

    @Test
    void a_token_of_another_issuer_or_audience_is_refused() throws Exception {
        assertThat(refused(policy(hs256()), hsToken(c -> c.issuer("https://evil.example.test"))).status())
                .isEqualTo(401);
        assertThat(refused(policy(hs256()), hsToken(c -> c.audience("someone-else"))).status()).isEqualTo(401);
        assertThat(chain.principal.get()).isNull();
    }

    @Test
    void an_expired_token_or_one_without_expiry_is_refused() throws Exception {
        GatewayException expired = refused(policy(hs256()),
                hsToken(c -> c.expirationTime(Date.from(Instant.now().minusSeconds(5)))));
        GatewayException endless = refused(policy(hs256()), hsToken(c -> c.expirationTime(null)));

        assertThat(expired.getMessage()).isEqualTo(AuthPolicy.INVALID);
        assertThat(endless.status()).isEqualTo(401);
        assertThat(metrics.increments).first().isEqualTo("auth.failuresreason,token_expired");
    }

    @Test
    void a_token_outside_its_models_claim_gets_403() throws Exception {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> policy(hs256()).apply(
                Requests.chat("gpt-4o", Map.of("authorization", "Bearer " + hsToken(c -> c))), chain));

        assertThat(e.status()).isEqualTo(403);
        assertThat(e.getMessage()).contains("'gpt-4o'");
    }

    @Test
    void rs256_tokens_are_checked_against_a_jwks_file(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(issuerKey.toPublicJWK()).toString());
        AuthPolicy policy = policy(new JwtConfig(null, jwks.toString(), null, ISSUER, AUDIENCE, null, null, null));

        policy.apply(Requests.chat("mock", Map.of("authorization", "Bearer "
                + token(new RSASSASigner(issuerKey), JWSAlgorithm.RS256, "issuer-1", c -> c.claim("tenant", "t1")))),
                chain);
        assertThat(chain.principal.get().tenant()).isEqualTo("t1");

        String stranger = token(new RSASSASigner(strangerKey), JWSAlgorithm.RS256, "issuer-1", c -> c);
        assertThat(refused(policy, stranger).status()).isEqualTo(401);
    }

    @Test
    void rs256_tokens_are_checked_against_the_issuers_jwks_url() throws Exception {
        com.sun.net.httpserver.HttpServer issuer = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] jwks = new JWKSet(issuerKey.toPublicJWK()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        issuer.createContext("/.well-known/jwks.json", exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        issuer.start();
        try {
            AuthPolicy policy = policy(new JwtConfig(null, null, "http://127.0.0.1:" + issuer.getAddress().getPort()
                    + "/.well-known/jwks.json", ISSUER, AUDIENCE, null, null, null));

            for (int i = 0; i < 3; i++) {
                policy.apply(Requests.chat("mock", Map.of("authorization", "Bearer " + token(
                        new RSASSASigner(issuerKey), JWSAlgorithm.RS256, "issuer-1", c -> c))), chain);
            }
            assertThat(chain.principal.get().id()).isEqualTo("jwt:alice");
            assertThat(fetches).as("the key set is fetched once and cached").hasValue(1);
            assertThat(refused(policy, token(new RSASSASigner(strangerKey), JWSAlgorithm.RS256, "issuer-1", c -> c))
                    .status()).isEqualTo(401);
        } finally {
            issuer.stop(0);
        }
    }

    @Test
    void a_token_signed_with_none_or_hs256_is_refused_where_jwks_keys_are_expected(@TempDir Path dir)
            throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(issuerKey.toPublicJWK()).toString());
        AuthPolicy policy = policy(new JwtConfig(null, jwks.toString(), null, ISSUER, AUDIENCE, null, null, null));
        String unsigned = new com.nimbusds.jwt.PlainJWT(new JWTClaimsSet.Builder().subject("x").issuer(ISSUER)
                .audience(AUDIENCE).expirationTime(Date.from(Instant.now().plusSeconds(60))).build()).serialize();

        assertThat(refused(policy, unsigned).status()).isEqualTo(401);
        assertThat(refused(policy, hsToken(c -> c)).status()).isEqualTo(401);
    }

    @Test
    void the_configuration_rejects_a_short_secret_and_a_missing_issuer_or_audience() {
        assertThatThrownBy(() -> new JwtConfig("short", null, null, ISSUER, AUDIENCE, null, null, null))
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> new JwtConfig(SECRET, null, null, null, AUDIENCE, null, null, null))
                .hasMessageContaining("jwt.issuer");
        assertThatThrownBy(() -> new JwtConfig(SECRET, "f.json", null, ISSUER, AUDIENCE, null, null, null))
                .hasMessageContaining("exactly one of");
    }
}
