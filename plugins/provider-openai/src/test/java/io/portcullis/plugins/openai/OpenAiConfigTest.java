package io.portcullis.plugins.openai;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiConfigTest {

    @Test
    void only_the_base_url_is_required() {
        OpenAiConfig config = new OpenAiConfig("http://localhost:11434/v1", null, null, null, null, null);

        assertThat(config.apiKey()).isNull();
        assertThat(config.headers()).isEmpty();
        assertThat(config.models()).isEmpty();
        assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void a_blank_api_key_counts_as_none_as_an_unset_environment_variable_substitutes_it() {
        assertThat(OpenAiConfig.of("https://api.openai.com/v1", "  ").apiKey()).isNull();
    }

    @Test
    void endpoints_go_under_the_base_url_with_or_without_its_trailing_slash() {
        assertThat(OpenAiConfig.of("https://api.openai.com/v1/", null).endpoint("/chat/completions"))
                .isEqualTo(URI.create("https://api.openai.com/v1/chat/completions"));
        assertThat(OpenAiConfig.of("http://localhost:8000", null).endpoint("/models"))
                .isEqualTo(URI.create("http://localhost:8000/models"));
    }

    @Test
    void a_query_in_the_base_url_is_kept_on_every_endpoint() {
        OpenAiConfig azure = OpenAiConfig.of("https://res.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21",
                null);

        assertThat(azure.endpoint("/chat/completions")).isEqualTo(URI.create(
                "https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "api.openai.com/v1", "ftp://example.com/v1", "https://", "http://host/v1#frag",
            "http://bad host/v1"})
    void a_base_url_that_is_not_an_absolute_http_url_is_refused_with_an_example(String baseUrl) {
        assertThatThrownBy(() -> OpenAiConfig.of(baseUrl, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("baseUrl must be the absolute http(s) URL of the API root")
                .hasMessageContaining("https://api.openai.com/v1");
    }

    @Test
    void a_missing_base_url_says_so() {
        assertThatThrownBy(() -> OpenAiConfig.of(null, null)).hasMessageEndingWith("it is missing");
    }

    @Test
    void the_read_timeout_must_be_positive() {
        assertThatThrownBy(() -> new OpenAiConfig("http://localhost/v1", null, null, null, 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("readTimeoutMs must be a positive number of milliseconds, not 0");
    }

    @Test
    void model_ids_must_not_be_blank() {
        assertThatThrownBy(() -> new OpenAiConfig("http://localhost/v1", null, null, null, null, List.of("a", " ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("models");
    }

    @Test
    void a_header_without_a_value_is_refused() {
        Map<String, String> headers = new HashMap<>();
        headers.put("api-key", null);

        assertThatThrownBy(() -> new OpenAiConfig("http://localhost/v1", null, null, headers, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'api-key' has no value");
    }

    @Test
    void the_text_form_shows_neither_the_api_key_nor_header_values() {
        OpenAiConfig config = new OpenAiConfig("https://api.openai.com/v1", "sk-secret", "org-1",
                Map.of("api-key", "azure-secret"), null, null);

        assertThat(config.toString()).doesNotContain("sk-secret").doesNotContain("azure-secret")
                .contains("apiKey=***").contains("api-key");
    }
    @Test
    void azure_urls_name_the_deployment_of_the_model_and_the_api_version() {
        OpenAiConfig azure = new OpenAiConfig("https://res.openai.azure.com/", "k", null, null, null, null, "Azure",
                "2025-01-01-preview", Map.of("gpt-4o", "my gpt4o"));

        assertThat(azure.endpoint("gpt-4o", "/chat/completions")).isEqualTo(URI.create(
                "https://res.openai.azure.com/openai/deployments/my%20gpt4o/chat/completions"
                        + "?api-version=2025-01-01-preview"));
        assertThat(azure.endpoint("gpt-4o-mini", "/embeddings")).isEqualTo(URI.create(
                "https://res.openai.azure.com/openai/deployments/gpt-4o-mini/embeddings?api-version=2025-01-01-preview"));
    }

    @Test
    void azure_has_a_default_api_version() {
        assertThat(OpenAiConfig.azure("https://res.openai.azure.com", "k", null).apiVersion()).isEqualTo("2024-10-21");
    }

    @Test
    void azure_keys_without_the_azure_flavor_are_refused_rather_than_ignored() {
        assertThatThrownBy(() -> new OpenAiConfig("https://api.openai.com/v1", "k", null, null, null, null, null,
                null, Map.of("gpt-4o", "dep")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set flavor: azure");
        assertThatThrownBy(() -> new OpenAiConfig("https://api.openai.com/v1", "k", null, null, null, null, "vertex",
                null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'openai' or 'azure'");
        assertThatThrownBy(() -> OpenAiConfig.azure("https://res.openai.azure.com?api-version=1", "k", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apiVersion");
    }
}
