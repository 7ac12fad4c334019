package io.portcullis.plugins.mock;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockConfigTest {

    @Test
    void missing_keys_take_their_defaults() {
        MockConfig config = MockConfig.defaults();

        assertThat(config.chunks()).isEqualTo(8);
        assertThat(config.chunkDelayMs()).isZero();
        assertThat(config.embeddingDimensions()).isEqualTo(384);
        assertThat(config.models()).containsExactly("mock");
    }

    @Test
    void explicit_values_are_kept() {
        MockConfig config = new MockConfig(1, 250, 4096, List.of("mock", "mock-small"));

        assertThat(config.chunks()).isEqualTo(1);
        assertThat(config.chunkDelayMs()).isEqualTo(250);
        assertThat(config.embeddingDimensions()).isEqualTo(4096);
        assertThat(config.models()).containsExactly("mock", "mock-small");
    }

    @Test
    void zero_chunks_is_rejected_with_what_was_expected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(0, null, null, null))
                .withMessage("chunks must be at least 1, was 0");
    }

    @Test
    void a_negative_delay_is_rejected_with_what_was_expected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(null, -1, null, null))
                .withMessage("chunkDelayMs must be 0 or more milliseconds, was -1");
    }

    @Test
    void embedding_dimensions_outside_the_range_are_rejected_with_what_was_expected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(null, null, 0, null))
                .withMessage("embeddingDimensions must be between 1 and 4096, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(null, null, 4097, null))
                .withMessage("embeddingDimensions must be between 1 and 4096, was 4097");
    }

    @Test
    void an_empty_model_list_is_rejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(null, null, null, List.of()))
                .withMessage("models must list at least one model id, was an empty list");
    }

    @Test
    void blank_or_missing_model_ids_are_rejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MockConfig(null, null, null, List.of("mock", " ")))
                .withMessageStartingWith("models must contain non-blank model ids");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new MockConfig(null, null, null, Arrays.asList("mock", null)))
                .withMessageStartingWith("models must contain non-blank model ids");
    }

    @Test
    void the_model_list_is_copied_so_later_changes_do_not_leak_in() {
        List<String> models = new ArrayList<>(List.of("a"));
        MockConfig config = new MockConfig(null, null, null, models);

        models.add("b");

        assertThat(config.models()).containsExactly("a");
    }
}
