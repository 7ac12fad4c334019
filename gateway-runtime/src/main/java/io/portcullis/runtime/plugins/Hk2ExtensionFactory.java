package io.portcullis.runtime.plugins;

import org.glassfish.hk2.api.ServiceLocator;
import org.pf4j.ExtensionFactory;
import org.pf4j.PluginRuntimeException;

/**
 * Creates plugin extensions through HK2, so that an extension's {@code @Inject} constructor receives the platform
 * services ({@code HttpTransport}, {@code Tokenizer}, {@code Metrics}, ...) bound in the locator.
 */
final class Hk2ExtensionFactory implements ExtensionFactory {

    private final ServiceLocator locator;

    Hk2ExtensionFactory(ServiceLocator locator) {
        this.locator = locator;
    }

    @Override
    public <T> T create(Class<T> extensionClass) {
        try {
            return locator.createAndInitialize(extensionClass);
        } catch (RuntimeException e) {
            throw new PluginRuntimeException(e, "Cannot create extension {}: {}", extensionClass.getName(),
                    e.getMessage());
        }
    }
}
