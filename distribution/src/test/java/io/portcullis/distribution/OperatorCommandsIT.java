package io.portcullis.distribution;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** {@code bin/portcullis plugins list} and {@code bin/portcullis config check}, run from the built distribution. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperatorCommandsIT {

    private static final Path DIRECTORY = Path.of(System.getProperty("portcullis.dist.dir"));

    /** What a command printed (stdout and stderr together) and its exit status. */
    private record Run(int status, String output) {
    }

    @Test
    void plugins_list_shows_the_distributions_plugins_as_compatible() throws Exception {
        Run run = portcullis("plugins", "list");

        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output())
                .containsPattern("provider-mock-\\S+\\.jar\\s+provider-mock\\s+\\S+\\s+>=1\\.0\\.0 & <2\\.0\\.0\\s+compatible")
                .containsPattern("provider-openai-\\S+\\.jar\\s+provider-openai\\s+.*compatible");
    }

    @Test
    void config_check_passes_the_embedded_default() throws Exception {
        Run run = portcullis("config", "check");

        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output()).contains("conf/gateway.yaml is valid.");
    }

    @Test
    void config_check_of_a_broken_file_exits_2_with_the_messages_the_gateway_would_give(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("broken.yaml"), """
                providers: [ { id: mock, type: mock, answr: typo } ]
                routes: [ { path: /v1/chat/completions, policies: [] } ]
                """);

        Run run = portcullis("config", "check", file.toString());

        assertThat(run.status()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("The configuration is invalid.")
                .contains(file.toString()).contains("answr");
    }

    private static Run portcullis(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(DIRECTORY.resolve("bin/portcullis").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("PORTCULLIS_CONF");
        builder.environment().remove("JAVA_OPTS");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " did not finish within 60 s:\n" + output);
        }
        return new Run(process.exitValue(), output);
    }
}
