package io.portcullis.plugins.auth;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.api.service.Metrics;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import org.pf4j.Extension;

import java.time.Clock;
import java.util.Objects;

/**
 * The {@code auth} policy: API keys and JWT bearer tokens. Put it first on a route, so that every later policy sees
 * the caller's {@link io.portcullis.api.context.Principal} (rate limits per key, tenant...).
 */
@Extension
public final class AuthPolicyFactory implements PolicyFactory<AuthConfig> {

    /** The policy's name, as routes list it. */
    public static final String NAME = "auth";

    private final Provider<ApiKeys> apiKeys;
    private final Metrics metrics;

    /**
     * @param apiKeys the admin API's keys; a provider, because a platform without them (a test kit, an older runtime)
     *                still serves configured keys and tokens
     * @param metrics where the reasons of refusals are counted
     */
    @Inject
    public AuthPolicyFactory(Provider<ApiKeys> apiKeys, Metrics metrics) {
        this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<AuthConfig> configType() {
        return AuthConfig.class;
    }

    @Override
    public Policy create(AuthConfig config) {
        AuthConfig settings = config == null ? new AuthConfig(null, null, null) : config;
        ApiKeys adminKeys = null;
        if (settings.adminKeys()) {
            adminKeys = apiKeys.get();
            if (adminKeys == null && settings.keys().isEmpty() && settings.jwt() == null) {
                throw new IllegalArgumentException("adminKeys: this gateway has no admin API keys service, and no "
                        + "keys or jwt are configured");
            }
        }
        return new AuthPolicy(new ConfiguredKeys(settings.keys()), adminKeys,
                settings.jwt() == null ? null : new JwtVerifier(settings.jwt()), metrics, Clock.systemUTC());
    }
}
