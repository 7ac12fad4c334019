package io.portcullis.testkit;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;

/** A test policy plugin ({@code throwing}) with a bug: every request makes it throw. */
public final class ThrowingPolicyFactory implements PolicyFactory<ThrowingPolicyFactory.Config> {

    static final String MESSAGE = "the throwing policy tripped over its own feet";

    /** No settings. */
    public record Config() {
    }

    @Override
    public String name() {
        return "throwing";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        return (exchange, chain) -> {
            throw new IllegalStateException(MESSAGE);
        };
    }
}
