package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.api.service.Metrics;

import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * Establishes who a request is for, from {@code Authorization: Bearer <credential>} or {@code x-api-key}, and refuses
 * it when the credential opens nothing or its key may not use the requested model.
 *
 * <p>Every failure of the credential itself (unknown, revoked, expired, a token with a bad signature or claims) gets
 * the same 401 and message, so that a client learns nothing about which keys exist; the reason goes to the
 * {@code auth.failures} metric, tagged by reason, for operators.
 */
final class AuthPolicy implements Policy {

    static final String MISSING = "Missing credentials: send your API key as 'Authorization: Bearer <key>' "
            + "or in the 'x-api-key' header.";
    static final String INVALID = "Invalid credentials: the API key or token is not valid. Check it, or ask the "
            + "gateway's operator for a new one.";
    static final String FAILURES = "auth.failures";
    private static final String BEARER = "bearer ";

    private final ConfiguredKeys configured;
    private final ApiKeys adminKeys;
    private final JwtVerifier jwt;
    private final Metrics metrics;
    private final Clock clock;

    /**
     * @param adminKeys the admin API's keys, or {@code null} when they are not accepted
     * @param jwt       the token verifier, or {@code null} when tokens are not accepted
     */
    AuthPolicy(ConfiguredKeys configured, ApiKeys adminKeys, JwtVerifier jwt, Metrics metrics, Clock clock) {
        this.configured = configured;
        this.adminKeys = adminKeys;
        this.jwt = jwt;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Reply apply(Exchange exchange, Chain chain) {
        String credential = credential(exchange);
        if (credential == null) {
            throw refuse("missing", MISSING);
        }
        Principal principal = jwt != null && JwtVerifier.looksLikeJwt(credential)
                ? fromToken(credential)
                : fromKey(credential);
        String model = exchange.request().model();
        if (model != null && !principal.mayUse(model)) {
            metrics.increment(FAILURES, "reason", "model_denied");
            throw new GatewayException(ErrorCode.PERMISSION_DENIED, ErrorCode.PERMISSION_DENIED.status(),
                    "This key may not use model '" + model + "'. Ask the gateway's operator to add it to the key's "
                            + "allowed models.", "model", java.util.Map.of(), null);
        }
        return chain.proceed(exchange.with(principal));
    }

    private Principal fromKey(String secret) {
        Optional<ConfiguredKeys.Match> own = configured.find(secret);
        if (own.isPresent()) {
            if (own.get().expiredAt(clock.instant())) {
                throw refuse("expired", INVALID);
            }
            return own.get().principal();
        }
        if (adminKeys != null) {
            Optional<ApiKeys.ApiKey> created = adminKeys.find(secret);
            if (created.isPresent()) {
                if (created.get().expiredAt(clock.instant())) {
                    throw refuse("expired", INVALID);
                }
                return created.get().principal();
            }
        }
        // Unknown and revoked look the same from here (ApiKeys answers empty for both), and to the client.
        throw refuse("unknown_key", INVALID);
    }

    private Principal fromToken(String token) {
        StringBuilder why = new StringBuilder();
        return jwt.verify(token, why).orElseThrow(() -> refuse(
                why.toString().toLowerCase(Locale.ROOT).contains("expired") ? "token_expired" : "token_invalid",
                INVALID));
    }

    private GatewayException refuse(String reason, String message) {
        metrics.increment(FAILURES, "reason", reason);
        return new GatewayException(ErrorCode.UNAUTHENTICATED, message);
    }

    /** @return the credential the client presented, or {@code null} */
    static String credential(Exchange exchange) {
        Optional<String> authorization = exchange.header("authorization");
        if (authorization.isPresent() && authorization.get().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String value = authorization.get().substring(BEARER.length()).trim();
            if (!value.isEmpty()) {
                return value;
            }
        }
        return exchange.header("x-api-key").map(String::trim).filter(value -> !value.isEmpty()).orElse(null);
    }
}
