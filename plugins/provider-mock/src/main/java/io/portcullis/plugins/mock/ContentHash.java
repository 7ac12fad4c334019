package io.portcullis.plugins.mock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a text, the one source of the mock's determinism: completion ids and embedding seeds both come from it,
 * so they are stable across runs, JVMs and nodes (unlike {@link String#hashCode()}, which is only 32 bits).
 */
final class ContentHash {

    private ContentHash() {
    }

    /** @return the first 16 hex digits of the text's SHA-256 */
    static String hex(String text) {
        return HexFormat.of().formatHex(digest(text), 0, 8);
    }

    /** @return the first 8 bytes of the text's SHA-256 as a number, to seed a random generator */
    static long seed(String text) {
        byte[] digest = digest(text);
        long seed = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            seed = (seed << 8) | (digest[i] & 0xFF);
        }
        return seed;
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
