package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * The API keys of the policy's configuration, kept as SHA-256 digests only.
 *
 * <p>A lookup hashes the presented secret once and compares that digest with every stored digest, with
 * {@link MessageDigest#isEqual} (constant time for equal lengths), without stopping at a match. So neither how much
 * of a secret matches a real key nor which key it matches changes what work is done.
 */
final class ConfiguredKeys {

    /** A stored key: its digest, who it opens requests for, and when it expires ({@code null}: never). */
    record Stored(byte[] digest, Principal principal, Instant expiresAt) {
    }

    /** A key that matched, and when it expires. */
    record Match(Principal principal, Instant expiresAt) {
        boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    private final List<Stored> keys;
    private final BiPredicate<byte[], byte[]> equal;

    ConfiguredKeys(List<KeyEntry> entries) {
        this(entries.stream().map(e -> new Stored(e.digest(), e.principal(), e.expiry())).toList(),
                MessageDigest::isEqual);
    }

    /** @param equal the digest comparison; tests watch it, production uses {@link MessageDigest#isEqual} */
    ConfiguredKeys(List<Stored> keys, BiPredicate<byte[], byte[]> equal) {
        this.keys = List.copyOf(keys);
        this.equal = equal;
    }

    /** @return the key the secret opens, if any */
    Optional<Match> find(String secret) {
        byte[] presented = Digests.sha256(secret);
        Stored found = null;
        for (Stored key : keys) {
            // No early exit: every stored digest is compared, whether or not one matched already.
            if (equal.test(presented, key.digest()) & found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found).map(key -> new Match(key.principal(), key.expiresAt()));
    }

    /** @return whether no key is configured */
    boolean isEmpty() {
        return keys.isEmpty();
    }
}
