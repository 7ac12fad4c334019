package io.portcullis.plugins.mock;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Message;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.provider.ProviderFactory;
import io.portcullis.api.service.Tokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/** Loads the packaged plugin JAR with PF4J, as the runtime does, and checks what a wrong build would break. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockProviderPluginIT {

    private static final Path PLUGIN_JAR = Path.of(System.getProperty("portcullis.plugin.jar"));

    private PluginManager plugins;

    @BeforeEach
    void load_the_plugin_jar(@TempDir Path pluginsDir) throws IOException {
        Files.copy(PLUGIN_JAR, pluginsDir.resolve(PLUGIN_JAR.getFileName()));
        plugins = new DefaultPluginManager(pluginsDir);
        plugins.loadPlugins();
        plugins.startPlugins();
    }

    @AfterEach
    void unload() {
        // Not stopPlugins(): PF4J 3.15.0's throws ConcurrentModificationException (pf4j/pf4j#656).
        // unloadPlugin stops the plugin first; the copy keeps it from changing the list being iterated.
        for (PluginWrapper plugin : List.copyOf(plugins.getPlugins())) {
            plugins.unloadPlugin(plugin.getPluginId());
        }
    }

    @Test
    void the_jar_is_a_started_plugin_with_its_manifest_id() {
        PluginWrapper plugin = plugins.getPlugin("provider-mock");

        assertThat(plugin).isNotNull();
        assertThat(plugin.getPluginState()).isEqualTo(PluginState.STARTED);
        assertThat(plugin.getDescriptor().getRequires()).isEqualTo(">=1.0.0 & <2.0.0");
    }

    @Test
    void the_jar_declares_exactly_one_provider_factory_extension() {
        // Zero here means PF4J's annotation processor did not run (javac 23+ ignores processors on the class path).
        List<? extends Class<?>> extensions = plugins.getExtensionClasses(ProviderFactory.class, "provider-mock");

        assertThat(extensions).singleElement().satisfies(type -> {
            assertThat(type.getName()).isEqualTo(MockProviderFactory.class.getName());
            assertThat(type.getClassLoader()).isSameAs(plugins.getPlugin("provider-mock").getPluginClassLoader());
        });
    }

    @Test
    void the_jar_does_not_bundle_the_plugin_api() throws IOException {
        try (JarFile jar = new JarFile(PLUGIN_JAR.toFile())) {
            assertThat(jar.stream().map(entry -> entry.getName()))
                    .contains("META-INF/extensions.idx", "io/portcullis/plugins/mock/MockProviderFactory.class")
                    .noneMatch(name -> name.startsWith("io/portcullis/api/"))
                    .noneMatch(name -> name.startsWith("com/fasterxml/jackson/"))
                    .noneMatch(name -> name.startsWith("org/pf4j/"));
        }
    }

    @Test
    void the_loaded_factory_works_with_the_platforms_api_classes() throws Exception {
        Class<?> type = plugins.getExtensionClasses(ProviderFactory.class, "provider-mock").getFirst();
        Tokenizer characters = (model, text) -> text.length();

        // The cast succeeds only if the plugin sees the same ProviderFactory class as the platform.
        ProviderFactory<?> factory = (ProviderFactory<?>) type.getConstructor(Tokenizer.class).newInstance(characters);
        Provider provider = factory.create("mock", null);
        ChatRequest request = ChatRequest.of("mock", List.of(Message.of(Message.USER, "Hello")));

        assertThat(provider.chat(request, new CallContext("r", Instant.now().plusSeconds(60))).text())
                .isEqualTo("You said: Hello");
    }
}
