package io.portcullis.plugins.pii;

/** Character tests shared by the detectors. */
final class Chars {

    private Chars() {
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAsciiAlnum(char c) {
        return isDigit(c) || isAsciiLetter(c);
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** A letter, digit or underscore in any script: a value that touches one is part of a longer word. */
    static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** @return the character at {@code i}, or a space outside the text (so that the text's ends are boundaries) */
    static char at(String text, int i) {
        return i < 0 || i >= text.length() ? ' ' : text.charAt(i);
    }

    /**
     * Whether a number-like value may start at {@code start}: the character before it is not part of a word, and not
     * a joining character ({@code - . / : _}) that follows one, as in {@code a1-2345} or {@code v1.2}.
     */
    static boolean numberStartsAt(String text, int start) {
        char before = at(text, start - 1);
        if (isWordChar(before)) {
            return false;
        }
        return !(isJoiner(before) && isWordChar(at(text, start - 2)));
    }

    /** Whether a number-like value may end before {@code end}, by the same rule as {@link #numberStartsAt}. */
    static boolean numberEndsAt(String text, int end) {
        char after = at(text, end);
        if (isWordChar(after)) {
            return false;
        }
        return !(isJoiner(after) && isWordChar(at(text, end + 1)));
    }

    private static boolean isJoiner(char c) {
        return c == '-' || c == '.' || c == '/' || c == ':' || c == '_' || c == '@';
    }

    /** Luhn's mod-10 check over the digits of {@code digits} (other characters are skipped). */
    static boolean luhn(CharSequence digits) {
        int sum = 0;
        boolean twice = false;
        int count = 0;
        for (int i = digits.length() - 1; i >= 0; i--) {
            char c = digits.charAt(i);
            if (!isDigit(c)) {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
            count++;
        }
        return count > 1 && sum % 10 == 0;
    }
}
