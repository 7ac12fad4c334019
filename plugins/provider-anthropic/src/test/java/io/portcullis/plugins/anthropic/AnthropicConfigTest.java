package io.portcullis.plugins.anthropic;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AnthropicConfigTest {

    @Test
    void every_key_but_the_api_key_has_a_default() {
        AnthropicConfig config = new AnthropicConfig(null, "sk-ant-x", null, null, null, null, null);

        assertThat(config.baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(config.endpoint("/messages")).hasToString("https://api.anthropic.com/v1/messages");
        assertThat(config.version()).isEqualTo("2023-06-01");
        assertThat(config.maxTokens()).isEqualTo(4096);
        assertThat(config.readTimeout().toMillis()).isEqualTo(60_000);
        assertThat(config.headers()).isEmpty();
        assertThat(config.models()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://proxy.internal:8080", "http://proxy.internal:8080/", "http://proxy.internal:8080/v1",
            "http://proxy.internal:8080/v1/"})
    void a_base_url_with_or_without_v1_gets_one_v1(String baseUrl) {
        assertThat(AnthropicConfig.of(baseUrl, "k").endpoint("/messages"))
                .hasToString("http://proxy.internal:8080/v1/messages");
    }

    @Test
    void wrong_values_are_refused_with_what_is_expected() {
        assertThatThrownBy(() -> AnthropicConfig.of("ftp://example.com", "k"))
                .hasMessageContaining("baseUrl must be the absolute http(s) URL");
        assertThatThrownBy(() -> new AnthropicConfig(null, "k", null, 0, null, null, null))
                .hasMessageContaining("maxTokens must be a positive number");
        assertThatThrownBy(() -> new AnthropicConfig(null, "k", null, null, null, -1, null))
                .hasMessageContaining("readTimeoutMs must be a positive number");
        assertThatThrownBy(() -> new AnthropicConfig(null, "k", null, null, Map.of("", "v"), null, null))
                .hasMessageContaining("headers must map header names to values");
    }

    @Test
    void its_string_form_does_not_show_the_key_or_header_values() {
        AnthropicConfig config = new AnthropicConfig(null, "sk-ant-secret", null, null,
                Map.of("anthropic-beta", "beta-secret"), null, null);

        assertThat(config.toString()).doesNotContain("sk-ant-secret", "beta-secret").contains("anthropic-beta");
    }
}
