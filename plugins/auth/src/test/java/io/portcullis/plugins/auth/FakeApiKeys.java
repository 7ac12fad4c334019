package io.portcullis.plugins.auth;

import io.portcullis.api.service.ApiKeys;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The admin API's keys, in memory: secret to key, with revocation. */
final class FakeApiKeys implements ApiKeys {

    private final Map<String, ApiKey> bySecret = new ConcurrentHashMap<>();

    FakeApiKeys add(String secret, ApiKey key) {
        bySecret.put(secret, key);
        return this;
    }

    void revoke(String secret) {
        bySecret.remove(secret);
    }

    @Override
    public Optional<ApiKey> find(String secret) {
        return Optional.ofNullable(bySecret.get(secret));
    }
}
