package io.portcullis.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes real PF4J plugin JARs from compiled classes, so a test can load a plugin it defines itself: a manifest
 * with the {@code Plugin-*} entries, {@code META-INF/extensions.idx} naming the extensions, and the class files
 * (nested classes included).
 *
 * <pre>{@code
 * PluginJars.plugin("stamp-policy", "1.0.0")
 *         .extension(StampPolicyFactory.class)
 *         .classes(StampPolicy.class, StampConfig.class)
 *         .writeTo(pluginsDir.resolve("stamp-policy.jar"));
 * }</pre>
 */
public final class PluginJars {

    private final String id;
    private final String version;
    private String requires = ">=1.0.0 & <2.0.0";
    private String pluginClass;
    private final List<Class<?>> extensions = new ArrayList<>();
    private final List<Class<?>> classes = new ArrayList<>();
    private final Map<String, byte[]> extraEntries = new LinkedHashMap<>();

    private PluginJars(String id, String version) {
        this.id = id;
        this.version = version;
    }

    /** Starts a plugin with the given id and version. */
    public static PluginJars plugin(String id, String version) {
        return new PluginJars(id, version);
    }

    /** Sets the {@code Plugin-Requires} range (default {@code >=1.0.0 & <2.0.0}). */
    public PluginJars requires(String range) {
        this.requires = range;
        return this;
    }

    /** Sets the {@code Plugin-Class}, a subclass of {@code org.pf4j.Plugin}; its classes are included. */
    public PluginJars pluginClass(Class<?> type) {
        this.pluginClass = type.getName();
        classes.add(type);
        return this;
    }

    /** Adds extensions: listed in {@code extensions.idx} and included. */
    public PluginJars extension(Class<?>... types) {
        extensions.addAll(List.of(types));
        classes.addAll(List.of(types));
        return this;
    }

    /** Adds classes the extensions use. */
    public PluginJars classes(Class<?>... types) {
        classes.addAll(List.of(types));
        return this;
    }

    /** Adds a raw entry (a resource, or a whole library's class to bundle). */
    public PluginJars entry(String name, byte[] content) {
        extraEntries.put(name, content);
        return this;
    }

    /**
     * Bundles a library's classes and resources into the plugin, as a shaded plugin JAR carries its own libraries
     * (signatures, {@code module-info} and the library's manifest are left out).
     */
    public PluginJars library(Path libraryJar) {
        if (Files.isDirectory(libraryJar)) {
            return classesOf(libraryJar);
        }
        try (java.util.jar.JarFile library = new java.util.jar.JarFile(libraryJar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(library.entries())) {
                String name = entry.getName();
                if (entry.isDirectory() || name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
                    continue;
                }
                try (var in = library.getInputStream(entry)) {
                    extraEntries.put(name, in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Writes the JAR and returns its path. */
    public Path writeTo(Path jar) {
        return write(jar, true);
    }

    private Path write(Path jar, boolean withIndex) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Plugin-Id", id);
        main.putValue("Plugin-Version", version);
        main.putValue("Plugin-Requires", requires);
        if (pluginClass != null) {
            main.putValue("Plugin-Class", pluginClass);
        }
        try {
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
                if (withIndex) {
                    StringBuilder index = new StringBuilder();
                    extensions.forEach(type -> index.append(type.getName()).append('\n'));
                    put(out, "META-INF/extensions.idx", index.toString().getBytes(StandardCharsets.UTF_8));
                }
                List<String> written = new ArrayList<>();
                for (Class<?> type : classes) {
                    for (Path classFile : classFiles(type)) {
                        String name = type.getPackageName().replace('.', '/') + "/" + classFile.getFileName();
                        if (!written.contains(name)) {
                            written.add(name);
                            put(out, name, Files.readAllBytes(classFile));
                        }
                    }
                }
                for (Map.Entry<String, byte[]> entry : extraEntries.entrySet()) {
                    put(out, entry.getKey(), entry.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /**
     * Packages a compiled plugin's classes directory (such as {@code target/classes}) as a plugin JAR: every file in
     * it, and a manifest with the {@code Plugin-*} entries.
     *
     * @throws IllegalStateException when the directory has no {@code META-INF/extensions.idx}: PF4J's annotation
     *                               processor did not run, and the plugin would load with no extensions
     */
    public Path packageClasses(Path classesDir, Path jar) {
        if (!Files.isRegularFile(classesDir.resolve("META-INF/extensions.idx"))) {
            throw new IllegalStateException(classesDir + " has no META-INF/extensions.idx: PF4J's annotation processor "
                    + "did not run (declare org.pf4j:pf4j in the compiler's annotationProcessorPaths), so the plugin "
                    + "would load with no extensions");
        }
        return classesOf(classesDir).write(jar, false);
    }

    /** Adds every file of a classes directory but its manifest. */
    private PluginJars classesOf(Path classesDir) {
        try (java.util.stream.Stream<Path> files = Files.walk(classesDir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = classesDir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
                if (!name.equals("META-INF/MANIFEST.MF")) {
                    extraEntries.put(name, Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Writes a file that has a JAR's name but not a JAR's content, as a broken download would. */
    public static Path corrupt(Path jar) {
        try {
            Files.createDirectories(jar.toAbsolutePath().getParent());
            Files.write(jar, "PK\u0003\u0004 this is not really a zip file".getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(content);
        out.closeEntry();
    }

    /** The class file of {@code type} and those of its nested and anonymous classes. */
    private static List<Path> classFiles(Class<?> type) throws IOException {
        Path root;
        try {
            root = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (!Files.isDirectory(root)) {
            throw new IOException(type.getName() + " is not in a classes directory but in " + root);
        }
        String topLevel = type.getName().substring(type.getPackageName().length() + 1);
        Path dir = root.resolve(type.getPackageName().replace('.', '/'));
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, topLevel + "{.class,$*.class}")) {
            matches.forEach(files::add);
        }
        return files;
    }
}
