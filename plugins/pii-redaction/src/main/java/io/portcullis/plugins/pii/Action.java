package io.portcullis.plugins.pii;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What happens to a detected value. */
enum Action {
    /** Replaced by a typed placeholder, {@code <EMAIL_1>}, the same for the same value in a request; restorable. */
    MASK,
    /** Replaced by a fixed text ({@code redactWith}). */
    REDACT,
    /** Replaced by a keyed HMAC of the value, the same on every node that shares the key. */
    HASH,
    /** The request is refused with a 400 naming the entity type. */
    BLOCK,
    /** Left as it is, and not even looked for. */
    ALLOW;

    static Action parse(String value, String where) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " must be one of " + Arrays.stream(values())
                    .map(a -> a.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ", was " + value);
        }
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
