package io.portcullis.runtime.routing;

import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.runtime.config.ConfigException;
import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured providers: each {@code providers:} entry built by the factory of its type, or the reason it is not
 * available (switched off, no plugin for its type). Settings that do not bind are a configuration error.
 */
public final class ProviderRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);

    private final Map<String, Provider> active;
    private final Map<String, String> unavailable;

    private ProviderRegistry(Map<String, Provider> active, Map<String, String> unavailable) {
        this.active = active;
        this.unavailable = unavailable;
    }

    /**
     * Builds every entry.
     *
     * @param source the configuration file's name, for messages
     * @throws ConfigException when an entry's settings do not fit its plugin's configuration
     */
    public static ProviderRegistry build(List<GatewayConfig.ProviderEntry> entries,
                                         Map<String, ProviderFactory<?>> factories, ConfigLoader binder,
                                         String source) {
        Map<String, Provider> active = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            GatewayConfig.ProviderEntry entry = entries.get(i);
            if (!entry.enabled()) {
                unavailable.put(entry.id(), "provider '" + entry.id() + "' is switched off in the configuration");
                log.info("Provider {} ({}) is switched off (providers[{}].enabled)", entry.id(), entry.type(), i);
                continue;
            }
            ProviderFactory<?> factory = factories.get(entry.type());
            if (factory == null) {
                String reason = "provider '" + entry.id() + "' is unavailable: no loaded plugin provides type '"
                        + entry.type() + "'";
                unavailable.put(entry.id(), reason);
                log.error("{} (loaded types: {})", reason, factories.keySet());
                continue;
            }
            Provider provider = create(factory, entry, "providers[" + i + "]", binder, problems);
            if (provider != null) {
                active.put(entry.id(), provider);
            }
        }
        if (!problems.isEmpty()) {
            active.values().forEach(Provider::close);
            throw new ConfigException(source, problems);
        }
        return new ProviderRegistry(active, unavailable);
    }

    private static <C> Provider create(ProviderFactory<C> factory, GatewayConfig.ProviderEntry entry, String path,
                                       ConfigLoader binder, List<String> problems) {
        int problemsBefore = problems.size();
        C config = binder.bindNode(entry.settings(), path, factory.configType(), problems);
        if (problems.size() > problemsBefore) {
            return null;
        }
        try {
            return factory.create(entry.id(), config);
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return null;
        }
    }

    /** @return the provider with this id, or {@code null} when it is not active */
    public Provider get(String id) {
        return active.get(id);
    }

    /** @return why the provider with this id is not active, or {@code null} */
    public String whyUnavailable(String id) {
        return unavailable.get(id);
    }

    /** @return the active providers by id */
    public Map<String, Provider> active() {
        return Collections.unmodifiableMap(active);
    }

    @Override
    public void close() {
        for (Provider provider : active.values()) {
            try {
                provider.close();
            } catch (RuntimeException e) {
                log.warn("Provider close failed", e);
            }
        }
    }
}
