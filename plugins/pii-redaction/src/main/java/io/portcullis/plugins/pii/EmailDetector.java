package io.portcullis.plugins.pii;

import java.util.List;

/**
 * E-mail addresses, found from each {@code @} outwards rather than by a regular expression: at most 64 characters of
 * local part to the left and 253 of domain to the right, so the work per {@code @} is bounded. The domain needs a dot
 * and an alphabetic top-level label, which keeps out {@code @Override}, {@code pkg@1.2.3} and {@code image@sha256:…};
 * an address followed by {@code :path} ({@code git@github.com:org/repo.git}) is an SSH remote, not a mailbox.
 */
final class EmailDetector implements Detector {

    static final String TYPE = "EMAIL";
    private static final int MAX_LOCAL = 64;
    private static final int MAX_DOMAIN = 253;

    @Override
    public void scan(String text, List<Finding> into) {
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int start = at;
            while (start > 0 && at - start < MAX_LOCAL + 1 && isLocalChar(text.charAt(start - 1))) {
                start--;
            }
            if (start > 0 && isLocalChar(text.charAt(start - 1))) {
                continue; // a local part longer than any mailbox's
            }
            while (start < at && text.charAt(start) == '.') {
                start++;
            }
            if (start == at) {
                continue;
            }
            int end = at + 1;
            while (end < text.length() && end - at <= MAX_DOMAIN && isDomainChar(text.charAt(end))) {
                end++;
            }
            while (end > at + 1 && (text.charAt(end - 1) == '.' || text.charAt(end - 1) == '-')) {
                end--;
            }
            if (isDomain(text, at + 1, end) && !(Chars.at(text, end) == ':' && !Character.isWhitespace(Chars.at(text, end + 1)))) {
                into.add(new Finding(TYPE, start, end));
            }
        }
    }

    private static boolean isLocalChar(char c) {
        return Chars.isAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
    }

    private static boolean isDomainChar(char c) {
        return Chars.isAsciiAlnum(c) || c == '.' || c == '-';
    }

    /** Labels of 1..63 characters that neither start nor end with a hyphen, the last one alphabetic and 2+ long. */
    private static boolean isDomain(String text, int from, int to) {
        int labels = 0;
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            if (i == to || text.charAt(i) == '.') {
                int length = i - labelStart;
                if (length < 1 || length > 63 || text.charAt(labelStart) == '-' || text.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                if (i == to) {
                    if (labels < 2 || length < 2) {
                        return false;
                    }
                    for (int j = labelStart; j < i; j++) {
                        if (!Chars.isAsciiLetter(text.charAt(j))) {
                            return false;
                        }
                    }
                }
                labelStart = i + 1;
            }
        }
        return labels >= 2;
    }
}
