package io.portcullis.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The plugin JARs this build assembled into the distribution's {@code plugins/} folder (failsafe passes its path as
 * {@code portcullis.plugins.dir}). Each test copies the ones it needs into a plugins folder of its own.
 */
final class BuiltPlugins {

    static final String MOCK = "provider-mock";
    static final String OPENAI = "provider-openai";
    static final String ANTHROPIC = "provider-anthropic";
    static final String GEMINI = "provider-gemini";
    static final String PII = "pii-redaction";
    static final String AUTH = "auth";
    static final String RATE_LIMIT = "rate-limit";

    private static final Path DIR = Path.of(System.getProperty("portcullis.plugins.dir",
            "target/portcullis-plugins-dir-not-set"));

    private BuiltPlugins() {
    }

    /**
     * Copies the built JARs of the given plugins into {@code pluginsDir}.
     *
     * @param artifactIds plugin artifact ids, such as {@link #MOCK}
     * @return {@code pluginsDir}
     */
    static Path copy(Path pluginsDir, String... artifactIds) {
        try {
            Files.createDirectories(pluginsDir);
            for (String artifactId : artifactIds) {
                Path jar = find(artifactId);
                Files.copy(jar, pluginsDir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pluginsDir;
    }

    /** @return the file name of a plugin's built JAR, as the gateway reports it */
    static String fileName(String artifactId) {
        try {
            return find(artifactId).getFileName().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path find(String artifactId) throws IOException {
        if (!Files.isDirectory(DIR)) {
            throw new IllegalStateException("no plugins folder at " + DIR.toAbsolutePath()
                    + ": run the e2e tests through failsafe after the distribution is assembled (mvn verify)");
        }
        try (Stream<Path> files = Files.list(DIR)) {
            List<Path> matches = files.filter(file -> {
                String name = file.getFileName().toString();
                return name.startsWith(artifactId + "-") && name.endsWith(".jar");
            }).toList();
            if (matches.size() != 1) {
                throw new IllegalStateException("expected one " + artifactId + "-*.jar in " + DIR + ", found "
                        + matches);
            }
            return matches.get(0);
        }
    }
}
