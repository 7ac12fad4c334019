package io.portcullis.testkit;

import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.PolicyFactory;

/** A test policy plugin ({@code stamp}): stamps every reply with a configured response header. */
public final class StampPolicyFactory implements PolicyFactory<StampPolicyFactory.Config> {

    /**
     * @param header the response header
     * @param value  its value
     */
    public record Config(String header, String value) {
        public Config {
            if (header == null || value == null) {
                throw new IllegalArgumentException("header and value: both are required");
            }
        }
    }

    @Override
    public String name() {
        return "stamp";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Policy create(Config config) {
        return (exchange, chain) -> chain.proceed(exchange).withHeader(config.header(), config.value());
    }

}
