package io.portcullis.plugins.auth;

import java.util.List;

/**
 * The keys of the {@code auth} policy's block in {@code gateway.yaml}. At least one way in must be configured: keys,
 * JWT, or the admin API's keys.
 *
 * @param keys      API keys of the configuration itself (default none)
 * @param jwt       JWT bearer tokens as a second way in, or {@code null} for none
 * @param adminKeys whether keys created through the admin API ({@code POST /admin/keys}) open requests (default true)
 */
public record AuthConfig(List<KeyEntry> keys, JwtConfig jwt, Boolean adminKeys) {

    public AuthConfig {
        keys = keys == null ? List.of() : List.copyOf(keys);
        adminKeys = adminKeys == null || adminKeys;
        if (keys.isEmpty() && jwt == null && !adminKeys) {
            throw new IllegalArgumentException(
                    "expected at least one of keys, jwt, or adminKeys: true; as configured nothing could ever pass");
        }
        long distinct = keys.stream().map(KeyEntry::id).distinct().count();
        if (distinct != keys.size()) {
            throw new IllegalArgumentException("keys: expected every id to be unique");
        }
    }
}
