package io.portcullis.runtime.plugins;

import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

import java.util.List;

/**
 * A plugin's class loader: its own classes and bundled libraries first (so a plugin may bring another version of a
 * library the platform also uses), except for the packages that form the contract with the platform, which always
 * come from the platform. Were a plugin JAR to bundle its own copy of {@code plugin-api}, its classes would otherwise
 * be different classes from the runtime's and every cast between the two would fail.
 */
final class ApiFirstClassLoader extends PluginClassLoader {

    /** The platform's contract with plugins: the API, the injection annotation HK2 looks for, and logging. */
    static final List<String> PLATFORM_PACKAGES = List.of("io.portcullis.api.", "jakarta.inject.", "org.slf4j.");

    ApiFirstClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        if (super.shouldDelegateToParent(className)) {
            return true;
        }
        for (String prefix : PLATFORM_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
