package io.portcullis.plugins.pii;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request's redaction: applies each finding's action, and remembers which placeholder stands for which value so
 * that the reply can be restored. The same value always gets the same placeholder within the request
 * ({@code <EMAIL_1>} twice for the same address); numbering is per type. Not thread-safe: one per request. The
 * mapping is never logged, and {@link #toString()} does not show it.
 */
final class Redaction {

    private final Scanner scanner;
    private final PiiConfig config;
    private final Mac hmac;
    private final Map<String, String> placeholderByValue = new HashMap<>();
    private final Map<String, String> valueByPlaceholder = new HashMap<>();
    private final Map<String, Integer> numberByType = new HashMap<>();
    /** "TYPE action" → how many values, for the metrics. */
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private int longestPlaceholder;

    Redaction(Scanner scanner, PiiConfig config, Mac hmac) {
        this.scanner = scanner;
        this.config = config;
        this.hmac = hmac;
    }

    /**
     * Rewrites one piece of the request.
     *
     * @param text  the text, may be {@code null}
     * @param where the request field it came from, for a block's message ({@code messages[2].content})
     * @return the text with every finding replaced according to its action
     * @throws GatewayException 400 when a finding's action is {@code block}, naming the type and the field
     */
    String apply(String text, String where) {
        List<Finding> findings = scanner.scan(text);
        if (findings.isEmpty()) {
            return text;
        }
        for (Finding finding : findings) {
            if (config.actionFor(finding.type()) == Action.BLOCK) {
                count(finding.type(), Action.BLOCK);
                throw new GatewayException(ErrorCode.INVALID_REQUEST, 400, "The request contains a value of type "
                        + finding.type() + " in " + where + ", which this route does not allow to be sent to the "
                        + "model. Remove it and send the request again.", where, Map.of(), null);
            }
        }
        StringBuilder out = new StringBuilder(text.length() + 16 * findings.size());
        int at = 0;
        for (Finding finding : findings) {
            out.append(text, at, finding.start());
            Action action = config.actionFor(finding.type());
            out.append(replacement(finding.type(), text.substring(finding.start(), finding.end()), action));
            count(finding.type(), action);
            at = finding.end();
        }
        return out.append(text, at, text.length()).toString();
    }

    /**
     * Rewrites a reply the model produced: values the client itself sent are kept; any other finding gets its type's
     * action, with {@code block} acting as {@code redact} (the request has already been answered).
     */
    String applyToReply(String text) {
        List<Finding> findings = scanner.scan(text);
        if (findings.isEmpty()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Finding finding : findings) {
            String value = text.substring(finding.start(), finding.end());
            out.append(text, at, finding.start());
            if (placeholderByValue.containsKey(finding.type() + '\u0000' + value)) {
                out.append(value);
            } else {
                Action action = config.actionFor(finding.type());
                Action applied = action == Action.BLOCK ? Action.REDACT : action;
                out.append(replacement(finding.type(), value, applied));
                count(finding.type() + " reply", applied);
            }
            at = finding.end();
        }
        return out.append(text, at, text.length()).toString();
    }

    private String replacement(String type, String value, Action action) {
        return switch (action) {
            case MASK -> placeholder(type, value);
            case REDACT -> config.redactWith();
            case HASH -> "<" + type + "#" + hash(type, value) + ">";
            case BLOCK, ALLOW -> value;
        };
    }

    private String placeholder(String type, String value) {
        String key = type + '\u0000' + value;
        String existing = placeholderByValue.get(key);
        if (existing != null) {
            return existing;
        }
        int number = numberByType.merge(type, 1, Integer::sum);
        String placeholder = "<" + type + "_" + number + ">";
        placeholderByValue.put(key, placeholder);
        valueByPlaceholder.put(placeholder, value);
        longestPlaceholder = Math.max(longestPlaceholder, placeholder.length());
        return placeholder;
    }

    private String hash(String type, String value) {
        try {
            Mac mac = (Mac) hmac.clone(); // a Mac is stateful; the route's keyed prototype is shared
            byte[] digest = mac.doFinal((type + ':' + value).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 cannot be cloned", e);
        }
    }

    private void count(String type, Action action) {
        counts.merge(type + ' ' + action.wireName(), 1, Integer::sum);
    }

    /** @return how many values of each type got each action: keys are {@code "TYPE action"} */
    Map<String, Integer> counts() {
        return counts;
    }

    /** @return the placeholders handed out, each with its value; empty when nothing was masked */
    Map<String, String> placeholders() {
        return valueByPlaceholder;
    }

    /** @return the length of the longest placeholder handed out */
    int longestPlaceholder() {
        return longestPlaceholder;
    }

    static Mac keyedHmac(String key) {
        if (key == null) {
            return null;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "Redaction[" + valueByPlaceholder.size() + " placeholders]";
    }
}
