package io.portcullis.plugins.pii;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An entity the operator defines: a regular expression with an optional validator, or a list of words and phrases.
 * An operator's expression may backtrack, so it runs over a {@link BudgetedText} that stops it after a number of
 * character reads proportional to the text: a pathological pattern fails the request loudly instead of hanging it.
 */
final class CustomDetector implements Detector {

    /** Character reads allowed per character of text, for an operator's expression. */
    static final int READS_PER_CHAR = 200;

    private final String type;
    private final Pattern pattern;
    private final String validator;

    private CustomDetector(String type, Pattern pattern, String validator) {
        this.type = type;
        this.pattern = pattern;
        this.validator = validator;
    }

    static CustomDetector of(PiiConfig.CustomEntity entity) {
        if (entity.pattern() != null) {
            return new CustomDetector(entity.name(), Pattern.compile(entity.pattern()), entity.validator());
        }
        // Longest first, so that "Acme Holdings" wins over "Acme"; words only as whole words.
        String alternatives = entity.words().stream().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow();
        int flags = Boolean.TRUE.equals(entity.caseSensitive()) ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
        return new CustomDetector(entity.name(),
                Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + alternatives + ")(?![\\p{L}\\p{N}_])", flags), null);
    }

    @Override
    public void scan(String text, List<Finding> into) {
        Matcher matcher = pattern.matcher(new BudgetedText(text, type, (long) READS_PER_CHAR * text.length() + 10_000));
        while (matcher.find()) {
            if (matcher.end() > matcher.start() && valid(text.substring(matcher.start(), matcher.end()))) {
                into.add(new Finding(type, matcher.start(), matcher.end()));
            }
        }
    }

    private boolean valid(String value) {
        if (validator == null) {
            return true;
        }
        return switch (validator.toLowerCase(Locale.ROOT)) {
            case "luhn" -> Chars.luhn(value);
            case "iban" -> {
                String compact = value.replace(" ", "");
                yield compact.length() > 4 && compact.chars().allMatch(c -> Chars.isAsciiAlnum((char) c))
                        && IbanDetector.mod97(compact, 0, compact.length()) == 1;
            }
            default -> true;
        };
    }

    /** The validators a custom entity may name. */
    static final List<String> VALIDATORS = List.of("luhn", "iban");

    /** A text that refuses to be read more than a budgeted number of times. */
    private static final class BudgetedText implements CharSequence {
        private final String text;
        private final String type;
        private long budget;

        BudgetedText(String text, String type, long budget) {
            this.text = text;
            this.type = type;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget < 0) {
                throw new IllegalStateException("the pattern of custom entity " + type
                        + " backtracks too much for this input; make its repetitions bounded or possessive");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
