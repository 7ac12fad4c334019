package io.portcullis.runtime.http;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Request ids: the client's {@code x-request-id} when it is a sane token (so a trace spans the client and the
 * gateway), else a new random one. A client's id is never trusted to be unique; it only has to be safe to log.
 */
final class RequestIds {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    static String from(String header) {
        if (header != null && SAFE.matcher(header).matches()) {
            return header;
        }
        return generate();
    }

    /** A random 128-bit id in hex; not a secret, so a fast non-cryptographic random will do. */
    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[36];
        "req-".getChars(0, 4, id, 0);
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[4 + i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
            id[20 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
        }
        return new String(id);
    }
}
