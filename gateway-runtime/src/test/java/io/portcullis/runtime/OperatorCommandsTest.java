package io.portcullis.runtime;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands an operator runs without starting the gateway. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperatorCommandsTest {

    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void plugins_list_shows_each_jar_with_its_version_and_whether_this_gateway_can_load_it() throws IOException {
        Path plugins = Files.createDirectories(home.resolve("plugins"));
        jar(plugins.resolve("good.jar"), "good", "1.2.3", ">=1.0.0 & <2.0.0", true);
        jar(plugins.resolve("future.jar"), "future", "9.0.0", ">=2.0.0", true);
        jar(plugins.resolve("no-index.jar"), "no-index", "1.0.0", ">=1.0.0", false);
        Files.writeString(plugins.resolve("broken.jar"), "not a zip");

        int status = run("plugins", "list");

        assertThat(status).isEqualTo(OperatorCommands.PLUGIN_PROBLEM);
        assertThat(line("good.jar")).contains("good", "1.2.3", ">=1.0.0 & <2.0.0", "compatible");
        assertThat(line("future.jar")).contains("9.0.0", "NOT LOADABLE", "requires plugin-api >=2.0.0",
                "this gateway has 1.");
        assertThat(line("no-index.jar")).contains("warning", "extensions.idx");
        assertThat(line("broken.jar")).contains("NOT LOADABLE", "not a readable plugin");
    }

    @Test
    void plugins_list_of_compatible_plugins_exits_zero() throws IOException {
        jar(Files.createDirectories(home.resolve("plugins")).resolve("good.jar"), "good", "1.0.0", "*", true);

        assertThat(run("plugins", "list")).isZero();
        assertThat(line("good.jar")).contains("compatible");
    }

    @Test
    void config_check_of_a_valid_file_exits_zero_and_lists_what_the_gateway_would_report() throws IOException {
        Path file = Files.writeString(home.resolve("ok.yaml"), """
                routes: [ { path: /v1/chat/completions, policies: [ missing-policy ] } ]
                """);

        assertThat(run("config", "check", file.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("ok.yaml is valid")
                .contains("route /v1/chat/completions is unavailable: its policy 'missing-policy'");
    }

    @Test
    void config_check_of_an_invalid_file_exits_two_with_the_gateways_messages() throws IOException {
        Path file = Files.writeString(home.resolve("bad.yaml"), """
                server: { port: seventy }
                servr: {}
                """);

        assertThat(run("config", "check", file.toString())).isEqualTo(OperatorCommands.INVALID_CONFIG);
        assertThat(err.toString()).contains("The configuration is invalid")
                .contains("bad.yaml: server.port").contains("bad.yaml: servr: unknown section");
    }

    @Test
    void an_unknown_command_prints_the_usage() {
        assertThat(run("plugins", "install")).isEqualTo(OperatorCommands.USAGE);
        assertThat(err.toString()).contains("usage: portcullis plugins list | portcullis config check [FILE]");
    }

    private int run(String... args) {
        return new OperatorCommands(home, home.resolve("conf/gateway.yaml"), print(out), print(err))
                .run(List.of(args));
    }

    private String line(String file) {
        return out.toString().lines().filter(l -> l.startsWith(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + file + " in\n" + out));
    }

    private static PrintStream print(OutputStream stream) {
        return new PrintStream(stream, true, StandardCharsets.UTF_8);
    }

    private static void jar(Path path, String id, String version, String requires, boolean index) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Plugin-Id", id);
        main.putValue("Plugin-Version", version);
        main.putValue("Plugin-Requires", requires);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(path), manifest)) {
            if (index) {
                jar.putNextEntry(new JarEntry("META-INF/extensions.idx"));
                jar.write("com.example.SomeFactory\n".getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
    }
}
