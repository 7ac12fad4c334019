package io.portcullis.plugins.pii;

import java.util.Map;

/**
 * Turns placeholders back into the values they stand for. A placeholder is {@code <} + upper-case letters, digits and
 * underscores + {@code >}; only the ones this request handed out are replaced, anything else that looks like one is
 * left as it is. One pass, linear in the text.
 */
final class Restorer {

    private final Map<String, String> valueByPlaceholder;
    private final int longest;

    Restorer(Map<String, String> valueByPlaceholder, int longest) {
        this.valueByPlaceholder = valueByPlaceholder;
        this.longest = longest;
    }

    boolean isEmpty() {
        return valueByPlaceholder.isEmpty();
    }

    /** @return the length of the longest placeholder: the most a stream ever holds back */
    int longest() {
        return longest;
    }

    String restore(String text) {
        if (text == null || valueByPlaceholder.isEmpty() || text.indexOf('<') < 0) {
            return text;
        }
        StringBuilder out = null;
        int copied = 0;
        int open = text.indexOf('<');
        while (open >= 0) {
            int close = open + 1;
            while (close < text.length() && close - open < longest && isPlaceholderChar(text.charAt(close))) {
                close++;
            }
            if (close < text.length() && text.charAt(close) == '>') {
                String value = valueByPlaceholder.get(text.substring(open, close + 1));
                if (value != null) {
                    if (out == null) {
                        out = new StringBuilder(text.length() + 32);
                    }
                    out.append(text, copied, open).append(value);
                    copied = close + 1;
                }
            }
            open = text.indexOf('<', open + 1);
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * Where a stream must stop emitting: the start of a trailing {@code <…} that could still become a placeholder
     * when more text arrives, or the text's length when nothing needs holding back.
     */
    int safeEnd(String text) {
        int open = text.lastIndexOf('<');
        if (open < 0 || text.length() - open >= longest) {
            return text.length();
        }
        String tail = text.substring(open);
        for (String placeholder : valueByPlaceholder.keySet()) {
            if (placeholder.startsWith(tail)) {
                return open;
            }
        }
        return text.length();
    }

    static boolean isPlaceholderChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
