package io.portcullis.plugins.openai;

import io.portcullis.api.service.HttpTransport;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiProviderFactoryTest {

    private static final HttpTransport UNUSED = request -> {
        throw new AssertionError("no call expected");
    };

    @Test
    void it_serves_the_openai_type_bound_to_its_config_record() {
        OpenAiProviderFactory factory = new OpenAiProviderFactory(UNUSED);

        assertThat(factory.type()).isEqualTo("openai");
        assertThat(factory.configType()).isEqualTo(OpenAiConfig.class);
        assertThat(factory.create("local", OpenAiConfig.of("http://localhost:11434/v1", null)))
                .isInstanceOf(OpenAiProvider.class);
    }

    @Test
    void the_annotation_processor_indexed_the_factory_as_the_plugin_s_only_extension()
            throws IOException, URISyntaxException {
        // The index in this module's own classes, not one of a dependency: without it PF4J finds zero extensions.
        URL classes = OpenAiProviderFactory.class.getProtectionDomain().getCodeSource().getLocation();
        Path index = Path.of(classes.toURI()).resolve("META-INF/extensions.idx");

        assertThat(Files.readString(index).lines().filter(line -> !line.isBlank() && !line.startsWith("#")))
                .containsExactly(OpenAiProviderFactory.class.getName());
    }
}
