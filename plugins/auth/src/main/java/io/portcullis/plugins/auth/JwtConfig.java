package io.portcullis.plugins.auth;

import java.nio.charset.StandardCharsets;

/**
 * JWT bearer tokens, the {@code auth} policy's {@code jwt:} block. Give exactly one of {@code secret},
 * {@code jwksFile} and {@code jwksUrl}. A bearer token with the shape of a JWT (three dot-separated parts) is checked
 * as one; anything else as an API key.
 *
 * @param secret           the HS256 shared secret, at least 32 bytes (typically {@code ${JWT_SECRET}})
 * @param jwksFile         a JSON Web Key Set file with the issuer's public keys (RSA, EC, EdDSA signatures)
 * @param jwksUrl          the issuer's JWKS URL (fetched and cached; refreshed when a token names an unknown key)
 * @param issuer           the {@code iss} every token must carry (required)
 * @param audience         the {@code aud} every token must include (required)
 * @param tenantClaim      the claim that names the caller's tenant (default {@code tenant})
 * @param modelsClaim      the claim that lists the models the caller may use, as a list or a space-separated string
 *                         (default {@code models}; a token without it may use every model)
 * @param clockSkewSeconds how much clock difference to tolerate on {@code exp} and {@code nbf} (default 30)
 */
public record JwtConfig(String secret, String jwksFile, String jwksUrl, String issuer, String audience,
                        String tenantClaim, String modelsClaim, Integer clockSkewSeconds) {

    /** HS256 needs a key of at least 256 bits. */
    static final int MIN_SECRET_BYTES = 32;

    public JwtConfig {
        int sources = (blank(secret) ? 0 : 1) + (blank(jwksFile) ? 0 : 1) + (blank(jwksUrl) ? 0 : 1);
        if (sources != 1) {
            throw new IllegalArgumentException("jwt: expected exactly one of secret, jwksFile or jwksUrl, got "
                    + sources + (sources == 0 ? " (an empty secret usually means its ${ENV} variable is not set)" : ""));
        }
        if (!blank(secret) && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("jwt.secret: expected at least " + MIN_SECRET_BYTES
                    + " bytes for HS256");
        }
        if (blank(issuer)) {
            throw new IllegalArgumentException("jwt.issuer: expected the iss that tokens must carry");
        }
        if (blank(audience)) {
            throw new IllegalArgumentException("jwt.audience: expected the aud that tokens must carry");
        }
        tenantClaim = blank(tenantClaim) ? "tenant" : tenantClaim;
        modelsClaim = blank(modelsClaim) ? "models" : modelsClaim;
        clockSkewSeconds = clockSkewSeconds == null ? 30 : clockSkewSeconds;
        if (clockSkewSeconds < 0) {
            throw new IllegalArgumentException("jwt.clockSkewSeconds: expected 0 or more, got " + clockSkewSeconds);
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public String toString() {
        return "JwtConfig[issuer=" + issuer + ", audience=" + audience + "]";
    }
}
