package io.portcullis.plugins.mock;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TextPiecesTest {

    @Test
    void a_text_splits_into_pieces_whose_lengths_differ_by_at_most_one_longest_first() {
        assertThat(TextPieces.split("abcdefghij", 4)).containsExactly("abc", "def", "gh", "ij");
    }

    @Test
    void an_exact_multiple_splits_into_equal_pieces() {
        assertThat(TextPieces.split("abcdef", 3)).containsExactly("ab", "cd", "ef");
    }

    @Test
    void one_piece_is_the_whole_text() {
        assertThat(TextPieces.split("You said: hi", 1)).containsExactly("You said: hi");
    }

    @Test
    void a_text_shorter_than_the_count_gives_one_piece_per_character_and_no_empty_piece() {
        assertThat(TextPieces.split("abc", 8)).containsExactly("a", "b", "c");
    }

    @Test
    void an_empty_text_gives_no_pieces() {
        assertThat(TextPieces.split("", 3)).isEmpty();
    }

    @Test
    void characters_outside_the_basic_plane_are_never_cut_in_two() {
        String text = "😀😃😄🙂";

        assertThat(TextPieces.split(text, 2)).containsExactly("😀😃", "😄🙂");
        assertThat(TextPieces.split(text, 3)).containsExactly("😀😃", "😄", "🙂");
    }

    @Test
    void a_count_below_one_is_rejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> TextPieces.split("abc", 0))
                .withMessage("count must be at least 1, was 0");
    }
}
