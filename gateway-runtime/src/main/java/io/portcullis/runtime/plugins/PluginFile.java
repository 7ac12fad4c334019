package io.portcullis.runtime.plugins;

import io.portcullis.api.ApiVersion;
import org.pf4j.DefaultVersionManager;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDescriptor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * What a plugin JAR says about itself, read without loading it: for {@code bin/portcullis plugins list}.
 *
 * @param file       the file name
 * @param id         its {@code Plugin-Id}, or {@code null} when it is not a readable plugin
 * @param version    its {@code Plugin-Version}, or {@code null}
 * @param requires   its {@code Plugin-Requires} range ({@code *} when it gives none), or {@code null}
 * @param compatible whether this gateway's plugin-api is in that range
 * @param problem    why it would not load or would load without extensions, or {@code null}
 */
public record PluginFile(String file, String id, String version, String requires, boolean compatible,
                         String problem) {

    /** Reads a JAR's descriptor and checks it as the gateway would at load. */
    public static PluginFile describe(Path jar) {
        String file = jar.getFileName().toString();
        PluginDescriptor descriptor;
        try {
            descriptor = new ManifestPluginDescriptorFinder().find(jar);
        } catch (RuntimeException e) {
            return new PluginFile(file, null, null, null, false, "not a readable plugin: " + e.getMessage());
        }
        String requires = descriptor.getRequires() == null || descriptor.getRequires().isBlank() ? "*"
                : descriptor.getRequires();
        boolean compatible = requires.equals("*")
                || new DefaultVersionManager().checkVersionConstraint(ApiVersion.current(), requires);
        String problem = compatible ? null : "requires plugin-api " + requires + ", this gateway has "
                + ApiVersion.current();
        if (compatible && !hasExtensionIndex(jar)) {
            problem = "no META-INF/extensions.idx: it would load with no extensions (PF4J's annotation processor "
                    + "did not run when it was built)";
        }
        return new PluginFile(file, descriptor.getPluginId(), descriptor.getVersion(), requires, compatible, problem);
    }

    private static boolean hasExtensionIndex(Path jar) {
        try (JarFile contents = new JarFile(jar.toFile())) {
            return contents.getEntry("META-INF/extensions.idx") != null;
        } catch (IOException e) {
            return false;
        }
    }
}
