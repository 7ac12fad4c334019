package io.portcullis.runtime.plugins;

import io.portcullis.api.ApiVersion;
import org.glassfish.hk2.api.ServiceLocator;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginFactory;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.Plugin;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginFactory;
import org.pf4j.PluginLoader;
import org.pf4j.PluginWrapper;

import java.nio.file.Path;

/**
 * PF4J configured for Portcullis: plugins get {@link ApiFirstClassLoader}s, extensions are created through HK2, the
 * system version is the plugin API's (so {@code Plugin-Requires} is checked against it), and a plugin may leave out
 * {@code Plugin-Class} when it has no lifecycle of its own.
 */
final class PortcullisPluginManager extends DefaultPluginManager {

    PortcullisPluginManager(Path pluginsRoot, ServiceLocator locator) {
        super(pluginsRoot);
        // AbstractPluginManager creates its factories in its constructor, before ours can run: set ours afterwards.
        this.extensionFactory = new Hk2ExtensionFactory(locator);
        setSystemVersion(ApiVersion.current());
        setExactVersionAllowed(false);
    }


    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader()
                .add(new DefaultPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                        return new ApiFirstClassLoader(pluginManager, descriptor, PortcullisPluginManager.class.getClassLoader());
                    }
                }, this::isDevelopment)
                .add(new JarPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                        return new ApiFirstClassLoader(pluginManager, descriptor, PortcullisPluginManager.class.getClassLoader());
                    }
                }, this::isNotDevelopment);
    }

    @Override
    protected PluginFactory createPluginFactory() {
        return new DefaultPluginFactory() {
            @Override
            public Plugin create(PluginWrapper pluginWrapper) {
                String pluginClass = pluginWrapper.getDescriptor().getPluginClass();
                if (pluginClass == null || pluginClass.isBlank()) {
                    return new Plugin() {
                    };
                }
                return super.create(pluginWrapper);
            }
        };
    }
}
