package io.portcullis.plugins.mock;

import java.util.ArrayList;
import java.util.List;

/** Splits a text into pieces of nearly equal length, the way the mock cuts a reply into stream chunks. */
final class TextPieces {

    private TextPieces() {
    }

    /**
     * Splits {@code text} into {@code count} pieces whose lengths differ by at most one character, longer pieces
     * first. Characters are code points, so a surrogate pair (an emoji, say) is never cut in two. A text shorter
     * than {@code count} characters gives one piece per character: no piece is ever empty.
     *
     * @param text  the text to split
     * @param count how many pieces are wanted, at least 1
     * @return the pieces, which concatenate to {@code text}; empty for an empty text
     */
    static List<String> split(String text, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        int length = text.codePointCount(0, text.length());
        int pieces = Math.min(count, length);
        List<String> result = new ArrayList<>(pieces);
        int start = 0;
        for (int i = 0; i < pieces; i++) {
            int size = length / pieces + (i < length % pieces ? 1 : 0);
            int end = text.offsetByCodePoints(start, size);
            result.add(text.substring(start, end));
            start = end;
        }
        return List.copyOf(result);
    }
}
