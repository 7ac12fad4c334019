package io.portcullis.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;

/**
 * A test policy plugin ({@code jackson-version}) that stamps replies with the version of the Jackson its own class
 * loader gives it ({@code x-plugin-jackson}), and whether the platform's API classes are the runtime's
 * ({@code x-plugin-api-shared}): the visible proof of what a plugin's class loader resolves.
 */
public final class JacksonVersionPolicyFactory implements PolicyFactory<JacksonVersionPolicyFactory.Config> {

    /** No settings. */
    public record Config() {
    }

    @Override
    public String name() {
        return "jackson-version";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        String jackson = new JsonFactory().version().toString();
        String apiShared = String.valueOf(PolicyFactory.class.getClassLoader() != getClass().getClassLoader());
        return (exchange, chain) -> chain.proceed(exchange)
                .withHeader("x-plugin-jackson", jackson)
                .withHeader("x-plugin-api-shared", apiShared);
    }
}
