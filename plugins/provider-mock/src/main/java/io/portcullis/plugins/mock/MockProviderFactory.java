package io.portcullis.plugins.mock;

import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.api.service.Tokenizer;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.time.Clock;
import java.util.Objects;

/**
 * Serves {@code providers:} entries of {@code type: mock}: deterministic answers, streams and embeddings with no
 * upstream at all. See {@link MockProvider} for what it answers.
 */
@Extension
public final class MockProviderFactory implements ProviderFactory<MockConfig> {

    /** The {@code type} of the entries this factory serves. */
    public static final String TYPE = "mock";

    private final Tokenizer tokenizer;

    /** @param tokenizer the platform's tokenizer, which the mock's usage figures come from */
    @Inject
    public MockProviderFactory(Tokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<MockConfig> configType() {
        return MockConfig.class;
    }

    @Override
    public Provider create(String id, MockConfig config) {
        return new MockProvider(id, config == null ? MockConfig.defaults() : config, tokenizer, Clock.systemUTC());
    }
}
