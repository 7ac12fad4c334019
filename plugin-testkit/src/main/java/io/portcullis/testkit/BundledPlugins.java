package io.portcullis.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The plugin JARs the kit carries inside itself (built from their modules' sources with the kit, see its pom), so that
 * a test has an upstream without depending on anything but the kit.
 */
final class BundledPlugins {

    /** Deterministic answers: {@code "You said: <last user message>"}, streamed word by word. */
    static final String MOCK = "provider-mock";
    /** Any OpenAI-compatible upstream by base URL, such as an {@link OpenAiSimulator}. */
    static final String OPENAI = "provider-openai";

    private BundledPlugins() {
    }

    /** Copies a bundled plugin's JAR into a plugins folder. */
    static Path copy(String id, Path pluginsDir) {
        String resource = "plugins/" + id + ".jar";
        try (InputStream jar = BundledPlugins.class.getResourceAsStream(resource)) {
            if (jar == null) {
                throw new IllegalStateException("the test kit carries no " + resource + ": was it built with its pom?");
            }
            Path target = pluginsDir.resolve(id + ".jar");
            Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
