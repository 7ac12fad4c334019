package io.portcullis.plugins.mock;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Message;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.Provider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockProviderFactoryTest {

    private final MockProviderFactory factory = new MockProviderFactory(new WordTokenizer());

    @Test
    void serves_the_mock_type_with_its_config_record() {
        assertThat(factory.type()).isEqualTo("mock");
        assertThat(factory.configType()).isEqualTo(MockConfig.class);
    }

    @Test
    void is_a_pf4j_extension_built_through_an_injected_constructor() throws Exception {
        assertThat(MockProviderFactory.class.isAnnotationPresent(Extension.class)).isTrue();
        assertThat(MockProviderFactory.class.getConstructor(io.portcullis.api.service.Tokenizer.class)
                .isAnnotationPresent(Inject.class)).isTrue();
    }

    @Test
    void creates_a_provider_that_answers_with_the_injected_tokenizer_counts() {
        Provider provider = factory.create("mock", new MockConfig(null, null, null, List.of("m1")));
        ChatRequest request = ChatRequest.of("m1", List.of(Message.of(Message.USER, "two words")));

        var response = provider.chat(request, new CallContext("r", Instant.now().plusSeconds(60)));

        assertThat(response.text()).isEqualTo("You said: two words");
        assertThat(response.usage().completionTokens()).isEqualTo(4);
        assertThat(provider.models()).extracting(m -> m.id()).containsExactly("m1");
    }

    @Test
    void an_entry_without_settings_gets_the_defaults() {
        assertThat(factory.create("mock", null).models()).extracting(m -> m.id()).containsExactly("mock");
    }

    @Test
    void a_missing_tokenizer_is_refused() {
        assertThatNullPointerException().isThrownBy(() -> new MockProviderFactory(null)).withMessage("tokenizer");
    }
}
