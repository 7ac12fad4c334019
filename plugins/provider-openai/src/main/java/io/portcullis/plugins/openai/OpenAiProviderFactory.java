package io.portcullis.plugins.openai;

import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.api.service.HttpTransport;
import jakarta.inject.Inject;
import org.pf4j.Extension;

import java.util.Objects;

/**
 * The {@code openai} provider type: any upstream that speaks OpenAI's API (OpenAI itself, Azure OpenAI by deployment
 * or its v1 API, vLLM, Ollama's {@code /v1}, LM Studio, llama.cpp's server), configured with an {@link OpenAiConfig}.
 */
@Extension
public final class OpenAiProviderFactory implements ProviderFactory<OpenAiConfig> {

    private final HttpTransport transport;

    /** @param transport the gateway's shared upstream HTTP client */
    @Inject
    public OpenAiProviderFactory(HttpTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public String type() {
        return "openai";
    }

    @Override
    public Class<OpenAiConfig> configType() {
        return OpenAiConfig.class;
    }

    @Override
    public Provider create(String id, OpenAiConfig config) {
        return new OpenAiProvider(id, config, transport);
    }
}
