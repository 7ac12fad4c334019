package io.portcullis.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The distribution as an operator gets it: the tarball's contents, and {@code bin/portcullis} started from an
 * unpacked copy as a separate process, found a JDK by itself, and answering real HTTP calls.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DistributionIT {

    private static final String NAME = System.getProperty("portcullis.dist.name");
    private static final Path TARBALL = Path.of(System.getProperty("portcullis.dist.tarball"));
    private static final Path DIRECTORY = Path.of(System.getProperty("portcullis.dist.dir"));
    private static final String VERSION = NAME.substring("portcullis-".length());

    /** Generous: a cold JVM on a busy two-core machine. The ready line normally comes within a few seconds. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The default configuration's demo key: its route needs a key now. */
    static final String DEMO_KEY = "sk-portcullis-demo";

    @Test
    void the_tarball_holds_the_launcher_the_runtime_every_plugin_and_the_configuration() throws Exception {
        Map<String, String> entries = tarEntries(TARBALL);

        assertThat(entries.keySet()).allMatch(name -> name.equals(NAME + "/") || name.startsWith(NAME + "/"));
        assertThat(entries.get(NAME + "/bin/portcullis")).as("mode of bin/portcullis").startsWith("-rwxr-xr-x");
        assertThat(entries.get(NAME + "/bin/find-java.sh")).as("mode of bin/find-java.sh").isNotNull();
        assertThat(entries).containsKeys(
                NAME + "/conf/gateway.yaml",
                NAME + "/README.md",
                NAME + "/lib/gateway-runtime-" + VERSION + ".jar",
                NAME + "/lib/plugin-api-" + VERSION + ".jar");
        assertThat(filesUnder(entries, NAME + "/plugins/"))
                .containsExactlyInAnyOrder("provider-mock-" + VERSION + ".jar", "provider-openai-" + VERSION + ".jar",
                        "provider-anthropic-" + VERSION + ".jar",
                        "pii-redaction-" + VERSION + ".jar",
                        "auth-" + VERSION + ".jar", "rate-limit-" + VERSION + ".jar",
                        "provider-gemini-" + VERSION + ".jar");
        assertThat(filesUnder(entries, NAME + "/lib/"))
                .as("lib/ holds the runtime's libraries, not the plugins nor the test libraries")
                .hasSizeGreaterThan(10)
                .allMatch(name -> name.endsWith(".jar"))
                .noneMatch(name -> name.startsWith("provider-"))
                .noneMatch(name -> name.startsWith("junit") || name.startsWith("assertj"));
    }

    @Test
    void the_unpacked_directory_in_target_is_the_same_as_the_tarball() throws Exception {
        List<String> inTarball = filesUnder(tarEntries(TARBALL), NAME + "/");
        List<String> inDirectory;
        try (Stream<Path> files = Files.walk(DIRECTORY)) {
            inDirectory = files.filter(Files::isRegularFile).map(file -> DIRECTORY.relativize(file).toString())
                    .toList();
        }

        assertThat(inDirectory).containsExactlyInAnyOrderElementsOf(inTarball);
        assertThat(Files.isExecutable(DIRECTORY.resolve("bin/portcullis"))).isTrue();
    }

    @Test
    void no_plugin_jar_carries_its_own_copy_of_the_plugin_api() throws Exception {
        // A bundled copy would load plugin-first and make every cast to an API type fail at run time.
        try (Stream<Path> jars = Files.list(DIRECTORY.resolve("plugins"))) {
            for (Path jar : jars.toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    assertThat(file.stream().map(JarEntry::getName)).as(jar.getFileName().toString())
                            .contains("META-INF/extensions.idx")
                            .noneMatch(name -> name.startsWith("io/portcullis/api/"));
                }
            }
        }
    }

    @Test
    void the_unpacked_tarball_starts_on_a_jdk_it_finds_by_itself_and_answers_chat(@TempDir Path dir)
            throws Exception {
        ProcessBuilder launcher = launcher(unpack(dir), dir);
        launcher.environment().remove("JAVA_HOME");
        launcher.environment().put("PORTCULLIS_PORT", "0");

        try (GatewayProcess gateway = new GatewayProcess(launcher)) {
            URI base = gateway.awaitReady(START_TIMEOUT);
            try (HttpClient http = HttpClient.newHttpClient()) {
                assertThat(get(http, base.resolve("/health/ready")).statusCode()).isEqualTo(200);

                HttpResponse<String> models = get(http, base.resolve("/v1/models"));
                assertThat(models.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(models.body()).path("data").findValuesAsText("id")).contains("mock");

                HttpResponse<String> chat = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + DEMO_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"model":"mock","messages":[{"role":"user","content":"Hello from the tarball"}]}"""))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
                assertThat(chat.headers().firstValue("x-ratelimit-limit-requests")).hasValue("600");
                JsonNode answer = JSON.readTree(chat.body());
                assertThat(answer.path("model").asText()).isEqualTo("mock");
                assertThat(answer.path("choices").path(0).path("message").path("content").asText())
                        .isEqualTo("You said: Hello from the tarball");

                HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"model":"mock","messages":[{"role":"user","content":"Let me in"}]}"""))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(anonymous.statusCode()).as("the default route needs the demo key").isEqualTo(401);
                assertThat(JSON.readTree(anonymous.body()).path("error").path("type").asText())
                        .isEqualTo("authentication_error");
            }
        }
    }

    @Test
    void without_a_jdk_21_the_launcher_says_what_to_install_and_exits_with_1(@TempDir Path dir) throws Exception {
        ProcessBuilder launcher = launcher(unpack(dir), dir);
        Path oldJdk = olderJdk().orElseThrow();
        launcher.environment().put("JAVA_HOME", oldJdk.toString());
        // The JDKs under /usr/lib/jvm cannot be taken away in a test; an exported bash function named ls, which
        // find-java.sh lists them with, makes that directory look empty to the launcher and nothing else.
        launcher.environment().put("BASH_FUNC_ls%%", "() { :; }");

        Process process = launcher.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output)
                .contains("Portcullis needs a Java Development Kit 21 or newer, and none was found.")
                .contains(oldJdk.resolve("bin/java") + " is Java " + javaMajor(oldJdk))
                .contains("Install one")
                .doesNotContain("Portcullis ready on");
    }

    /** Unpacks the tarball with the real {@code tar} into {@code dir}; @return the distribution's root in it */
    private static Path unpack(Path dir) throws Exception {
        run(List.of("tar", "-xzf", TARBALL.toString(), "-C", dir.toString()));
        return dir.resolve(NAME);
    }

    /**
     * A {@code bin/portcullis} launch with a controlled environment: the PATH's only {@code java} is a JDK older than
     * 21 (so that the launcher has to find a suitable one itself), and nothing of the developer's environment that
     * would change the gateway's configuration or ports.
     */
    private static ProcessBuilder launcher(Path home, Path dir) throws IOException {
        Path oldJdk = olderJdk().orElse(null);
        assumeThat(oldJdk).as("a JDK older than 21 under /usr/lib/jvm, to put on the PATH").isNotNull();
        Path pathBin = Files.createDirectories(dir.resolve("path-bin"));
        Files.createSymbolicLink(pathBin.resolve("java"), oldJdk.resolve("bin/java"));

        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/portcullis").toString()).directory(dir.toFile());
        Map<String, String> env = builder.environment();
        List.of("JAVA_OPTS", "PORTCULLIS_CONF", "PORTCULLIS_BIND", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                        "PORTCULLIS_DEMO_KEY")
                .forEach(env::remove);
        env.put("PATH", pathBin + ":/usr/bin:/bin");
        env.put("PORTCULLIS_ADMIN_PORT", "0");
        env.put("PORTCULLIS_CLUSTER_PORT", "0");
        return builder;
    }

    /** @return the home of a JDK under /usr/lib/jvm older than 21, if the machine has one */
    private static Optional<Path> olderJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")))
                    .filter(home -> javaMajor(home) > 0 && javaMajor(home) < 21)
                    .sorted()
                    .findFirst();
        }
    }

    /** @return the feature version a JDK's {@code release} file names (8 for 1.8), or 0 if it cannot be read */
    private static int javaMajor(Path home) {
        Properties release = new Properties();
        try (BufferedReader reader = Files.newBufferedReader(home.resolve("release"))) {
            release.load(reader);
        } catch (IOException e) {
            return 0;
        }
        String version = release.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
        String[] parts = version.split("\\.");
        return Integer.parseInt(parts[0].equals("1") && parts.length > 1 ? parts[1] : parts[0]);
    }

    /** @return each entry of the tarball, as {@code tar -tv} names it, with its mode ({@code -rwxr-xr-x}) */
    private static Map<String, String> tarEntries(Path tarball) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        for (String line : run(List.of("tar", "-tvzf", tarball.toString())).split("\n")) {
            if (!line.isBlank()) {
                String[] fields = line.trim().split("\\s+");
                entries.put(fields[fields.length - 1], fields[0]);
            }
        }
        return entries;
    }

    /** @return the files (not directories) of the entries under {@code prefix}, relative to it */
    private static List<String> filesUnder(Map<String, String> entries, String prefix) {
        List<String> files = new ArrayList<>();
        entries.forEach((name, mode) -> {
            if (name.startsWith(prefix) && mode.startsWith("-")) {
                files.add(name.substring(prefix.length()));
            }
        });
        return files;
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " did not finish within " + COMMAND_TIMEOUT);
        }
        assertThat(process.exitValue()).as(command + " failed:\n" + output).isZero();
        return output;
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
