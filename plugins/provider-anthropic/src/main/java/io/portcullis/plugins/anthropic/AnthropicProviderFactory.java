package io.portcullis.plugins.anthropic;

import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.api.service.HttpTransport;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.util.Objects;

/** The {@code anthropic} provider type: Anthropic's Messages API, configured with an {@link AnthropicConfig}. */
@Extension
public final class AnthropicProviderFactory implements ProviderFactory<AnthropicConfig> {

    private final HttpTransport transport;

    /** @param transport the gateway's shared upstream HTTP client */
    @Inject
    public AnthropicProviderFactory(HttpTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public String type() {
        return "anthropic";
    }

    @Override
    public Class<AnthropicConfig> configType() {
        return AnthropicConfig.class;
    }

    @Override
    public Provider create(String id, AnthropicConfig config) {
        return new AnthropicProvider(id, config, transport);
    }
}
