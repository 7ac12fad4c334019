package io.portcullis.plugins.gemini;

import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.api.service.HttpTransport;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.util.Objects;

/** The {@code gemini} provider type: Google's Gemini API, configured with a {@link GeminiConfig}. */
@Extension
public final class GeminiProviderFactory implements ProviderFactory<GeminiConfig> {

    private final HttpTransport transport;

    /** @param transport the gateway's shared upstream HTTP client */
    @Inject
    public GeminiProviderFactory(HttpTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public String type() {
        return "gemini";
    }

    @Override
    public Class<GeminiConfig> configType() {
        return GeminiConfig.class;
    }

    @Override
    public Provider create(String id, GeminiConfig config) {
        return new GeminiProvider(id, config, transport);
    }
}
