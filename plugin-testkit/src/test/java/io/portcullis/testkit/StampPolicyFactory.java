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

    /** The resource a test JAR may carry to tell two builds of this plugin apart ({@code x-stamp-build}). */
    static final String BUILD_RESOURCE = "stamp-build.txt";

    @Override
    public Policy create(Config config) {
        String build = build();
        return (exchange, chain) -> chain.proceed(exchange).withHeader(config.header(), config.value())
                .withHeader("x-stamp-build", build);
    }

    private String build() {
        try (var in = getClass().getClassLoader().getResourceAsStream(BUILD_RESOURCE)) {
            return in == null ? "none" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
