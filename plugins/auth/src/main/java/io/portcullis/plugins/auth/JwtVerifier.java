package io.portcullis.plugins.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.portcullis.api.context.Principal;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks JWT bearer tokens with nimbus-jose-jwt: the signature (HS256 with a shared secret, or the issuer's public keys
 * from a JWKS), {@code iss}, {@code aud}, {@code exp} (required) and {@code nbf}, and turns the claims into a
 * {@link Principal}: {@code sub} is its id, the tenant and model claims come from the configuration.
 */
final class JwtVerifier {

    private final JwtConfig config;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    JwtVerifier(JwtConfig config) {
        this.config = config;
        JWSVerificationKeySelector<SecurityContext> keys = config.secret() != null && !config.secret().isBlank()
                ? new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                new ImmutableSecret<>(config.secret().getBytes(StandardCharsets.UTF_8)))
                : new JWSVerificationKeySelector<>(JWSAlgorithm.Family.SIGNATURE, jwks(config));
        processor.setJWSKeySelector(keys);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", "sub"));
        claims.setMaxClockSkew(config.clockSkewSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    private static JWKSource<SecurityContext> jwks(JwtConfig config) {
        if (config.jwksFile() != null && !config.jwksFile().isBlank()) {
            try {
                return new ImmutableJWKSet<>(JWKSet.load(new File(config.jwksFile())));
            } catch (IOException | ParseException e) {
                throw new IllegalArgumentException("jwt.jwksFile: cannot read a JSON Web Key Set from "
                        + config.jwksFile() + ": " + e.getMessage());
            }
        }
        try {
            return JWKSourceBuilder.create(URI.create(config.jwksUrl()).toURL()).build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("jwt.jwksUrl: expected an http(s) URL, got '" + config.jwksUrl() + "'");
        }
    }

    /** @return whether the credential has a JWT's shape (three dot-separated parts), so it is checked as a token */
    static boolean looksLikeJwt(String credential) {
        return credential.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * @return the principal of a valid token; empty with the reason in {@code why} when the token is not valid
     */
    Optional<Principal> verify(String token, StringBuilder why) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            why.append(e.getMessage());
            return Optional.empty();
        }
        try {
            String tenant = claims.getStringClaim(config.tenantClaim());
            return Optional.of(new Principal("jwt:" + claims.getSubject(), tenant, models(claims),
                    Principal.Limits.NONE));
        } catch (ParseException e) {
            why.append("claim of the wrong type: ").append(e.getMessage());
            return Optional.empty();
        }
    }

    private Set<String> models(JWTClaimsSet claims) throws ParseException {
        Object value = claims.getClaim(config.modelsClaim());
        if (value == null) {
            return Set.of("*");
        }
        if (value instanceof String text) {
            return new HashSet<>(Arrays.asList(text.trim().split("\\s+")));
        }
        List<String> list = claims.getStringListClaim(config.modelsClaim());
        return Set.copyOf(list);
    }
}
