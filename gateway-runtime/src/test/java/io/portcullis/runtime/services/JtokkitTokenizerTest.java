package io.portcullis.runtime.services;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Message;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JtokkitTokenizerTest {

    /** Japanese text: o200k_base's larger vocabulary encodes it in noticeably fewer tokens than cl100k_base. */
    private static final String JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。";

    private final JtokkitTokenizer tokenizer = new JtokkitTokenizer();

    @ParameterizedTest
    @ValueSource(strings = {"gpt-4o", "gpt-4o-mini", "GPT-4o-2024-08-06", "chatgpt-4o-latest", "gpt-4.1",
            "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "o1", "o1-mini", "o3-mini", "o4-mini", "openai/gpt-4o"})
    void newer_openai_models_use_o200k_base(String model) {
        assertThat(tokenizer.encodingName(model)).isEqualTo("o200k_base");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "mock", "claude-sonnet-4", "llama3", ""})
    void older_and_unknown_models_use_cl100k_base(String model) {
        assertThat(tokenizer.encodingName(model)).isEqualTo("cl100k_base");
    }

    @Test
    void a_missing_model_name_uses_cl100k_base() {
        assertThat(tokenizer.encodingName(null)).isEqualTo("cl100k_base");
        assertThat(tokenizer.count(null, "hello world")).isEqualTo(2);
    }

    @Test
    void counts_match_tiktoken_for_plain_english() {
        assertThat(tokenizer.count("gpt-4", "hello world")).isEqualTo(2);
        assertThat(tokenizer.count("gpt-4o", "hello world")).isEqualTo(2);
    }

    @Test
    void the_two_encodings_count_differently_where_their_vocabularies_differ() {
        int cl100k = tokenizer.count("gpt-4", JAPANESE);
        int o200k = tokenizer.count("gpt-4o", JAPANESE);

        assertThat(o200k).isPositive().isLessThan(cl100k);
    }

    @Test
    void empty_and_null_text_count_zero() {
        assertThat(tokenizer.count("gpt-4o", "")).isZero();
        assertThat(tokenizer.count("gpt-4o", null)).isZero();
    }

    @Test
    void special_token_text_is_counted_as_ordinary_text_instead_of_failing() {
        assertThat(tokenizer.count("gpt-4o", "before <|endoftext|> after")).isGreaterThan(3);
    }

    @Test
    void prompt_count_adds_framing_to_each_message() {
        ChatRequest request = ChatRequest.of("gpt-4o", List.of(
                Message.of(Message.SYSTEM, "Be brief."),
                Message.of(Message.USER, "hello world")));

        int expected = 3
                + 3 + tokenizer.count("gpt-4o", "system") + tokenizer.count("gpt-4o", "Be brief.")
                + 3 + tokenizer.count("gpt-4o", "user") + tokenizer.count("gpt-4o", "hello world");
        assertThat(tokenizer.countPrompt(request)).isEqualTo(expected);
    }

    @Test
    void instances_share_the_same_encodings() {
        assertThat(new JtokkitTokenizer().count("gpt-4o", JAPANESE)).isEqualTo(tokenizer.count("gpt-4o", JAPANESE));
    }

    @Test
    void concurrent_counts_from_many_threads_agree() throws Exception {
        int expected = tokenizer.count("gpt-4o", JAPANESE);
        Callable<Integer> count = () -> tokenizer.count("gpt-4o", JAPANESE);

        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = pool.invokeAll(IntStream.range(0, 64).mapToObj(i -> count).toList());
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(expected);
            }
        }
    }
}
