package io.portcullis.plugins.gemini;

import io.portcullis.runtime.config.ConfigLoader;
import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeminiConfigTest {

    @Test
    void only_the_api_key_is_required_and_the_base_url_is_googles() {
        GeminiConfig config = new GeminiConfig(null, " AIza-key ", null, null, null);

        assertThat(config.apiKey()).isEqualTo("AIza-key");
        assertThat(config.endpoint("/models/gemini-2.5-flash:generateContent")).isEqualTo(URI.create(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"));
        assertThat(config.readTimeoutMs()).isEqualTo(60_000);
    }

    @Test
    void a_missing_key_is_refused_with_the_way_to_set_it() {
        assertThatThrownBy(() -> GeminiConfig.of(null, "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("${GEMINI_API_KEY}");
    }

    @Test
    void a_base_url_with_a_query_is_refused_since_the_key_must_not_go_in_the_url() {
        assertThatThrownBy(() -> GeminiConfig.of("https://generativelanguage.googleapis.com/v1beta?key=x", "k"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a query");
    }

    @Test
    void the_text_form_does_not_show_the_key() {
        assertThat(GeminiConfig.of(null, "AIza-secret").toString()).doesNotContain("AIza-secret");
    }

    @Test
    void the_shipped_configuration_switches_gemini_on_with_its_key_and_binds_to_this_record() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of("GEMINI_API_KEY", "AIza-from-env"));
        GatewayConfig config = loader.parse(Files.readString(Path.of("../../conf/gateway.yaml")), "gateway.yaml");

        GatewayConfig.ProviderEntry gemini = config.providers().stream()
                .filter(entry -> entry.id().equals("gemini")).findFirst().orElseThrow();
        List<String> problems = new ArrayList<>();
        GeminiConfig bound = loader.bindNode(gemini.settings(), "providers[2]", GeminiConfig.class, problems);

        assertThat(gemini.enabled()).isTrue();
        assertThat(gemini.type()).isEqualTo("gemini");
        assertThat(problems).isEmpty();
        assertThat(bound.apiKey()).isEqualTo("AIza-from-env");
        assertThat(config.models()).extracting(GatewayConfig.ModelEntry::name).contains("gemini-2.5-flash");
    }
}
