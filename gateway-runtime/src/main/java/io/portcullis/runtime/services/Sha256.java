package io.portcullis.runtime.services;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of secrets: what the runtime stores and compares instead of the secrets themselves. */
public final class Sha256 {

    private Sha256() {
    }

    /** @return the digest of {@code value}'s UTF-8 bytes */
    public static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** @return the digest of {@code value}'s UTF-8 bytes, as lower-case hex */
    public static String hex(String value) {
        return HexFormat.of().formatHex(digest(value));
    }
}
