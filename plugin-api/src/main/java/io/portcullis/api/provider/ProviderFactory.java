package io.portcullis.api.provider;

import org.pf4j.ExtensionPoint;

/**
 * The extension point of a provider plugin: builds a {@link Provider} from a {@code providers:} entry.
 *
 * <p>Annotate the implementation with PF4J's {@code @Extension}; an {@code @Inject} constructor receives platform
 * services ({@link io.portcullis.api.service.HttpTransport} above all).
 *
 * @param <C> the configuration record: the entry's keys other than {@code id} and {@code type}
 */
public interface ProviderFactory<C> extends ExtensionPoint {

    /** @return the {@code type} this factory serves in {@code providers:} entries ({@code openai}, {@code mock}) */
    String type();

    /** @return the record an entry is bound to */
    Class<C> configType();

    /**
     * Builds a provider; called once per entry at start or reload.
     *
     * @param id     the entry's {@code id}, for messages and metrics
     * @param config the bound, validated configuration
     */
    Provider create(String id, C config);
}
