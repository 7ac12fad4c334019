package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One API key of the {@code auth} policy's {@code keys:} list. Give the key either as {@code hash} (its SHA-256, as
 * {@code sha256:<64 hex digits>}, made with {@code printf %s "$KEY" | sha256sum}) or as {@code key}, typically
 * {@code ${SOME_ENV}}, which is hashed when the configuration is loaded; only the hash is kept.
 *
 * @param id                the key's stable id, named in logs, metrics and rate-limit buckets (required)
 * @param hash              {@code sha256:<hex>} of the secret
 * @param key               the secret itself (hashed at load, never kept)
 * @param tenant            the tenant the key belongs to (default none)
 * @param models            the public model names it may use (default {@code ["*"]}, every model)
 * @param requestsPerMinute its own request budget, for the rate-limit policy (default: the policy's)
 * @param tokensPerMinute   its own token budget, for the rate-limit policy (default: the policy's)
 * @param expiresAt         when it stops working: an ISO-8601 instant ({@code 2027-01-31T00:00:00Z}) or date
 *                          ({@code 2027-01-31}, midnight UTC); default never
 */
public record KeyEntry(String id, String hash, String key, String tenant, List<String> models, Long requestsPerMinute,
                       Long tokensPerMinute, String expiresAt) {

    static final String SHA256_PREFIX = "sha256:";

    public KeyEntry {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("keys[].id: expected a non-blank id");
        }
        boolean hasHash = hash != null && !hash.isBlank();
        boolean hasKey = key != null && !key.isBlank();
        if (hasHash == hasKey) {
            throw new IllegalArgumentException("keys[" + id + "]: expected exactly one of hash (sha256:<hex>) or key"
                    + (hasHash ? ", not both" : "; an empty key usually means its ${ENV} variable is not set"));
        }
        if (hasHash && !hash.matches("sha256:[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("keys[" + id + "].hash: expected sha256: and 64 hex digits");
        }
        models = models == null || models.isEmpty() ? List.of("*") : List.copyOf(models);
        positive(id, "requestsPerMinute", requestsPerMinute);
        positive(id, "tokensPerMinute", tokensPerMinute);
        if (expiresAt != null) {
            expiry(id, expiresAt);
        }
    }

    /** @return the SHA-256 digest of the key's secret */
    byte[] digest() {
        return hash != null && !hash.isBlank()
                ? HexFormat.of().parseHex(hash.substring(SHA256_PREFIX.length()))
                : Digests.sha256(key);
    }

    /** @return when the key expires, or {@code null} */
    Instant expiry() {
        return expiresAt == null ? null : expiry(id, expiresAt);
    }

    /** @return the principal requests made with this key act as */
    Principal principal() {
        return new Principal(id, tenant, Set.copyOf(models), new Principal.Limits(requestsPerMinute, tokensPerMinute));
    }

    private static Instant expiry(String id, String text) {
        try {
            return text.contains("T") ? Instant.parse(text) : LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("keys[" + id + "].expiresAt: expected an ISO-8601 instant "
                    + "(2027-01-31T00:00:00Z) or date (2027-01-31), got '" + text + "'");
        }
    }

    private static void positive(String id, String name, Long value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException("keys[" + id + "]." + name + ": expected a positive number, got "
                    + value);
        }
    }

    @Override
    public String toString() {
        // Never print the secret, even in a config error.
        return "KeyEntry[id=" + id + ", tenant=" + tenant + ", models=" + models + "]";
    }
}
