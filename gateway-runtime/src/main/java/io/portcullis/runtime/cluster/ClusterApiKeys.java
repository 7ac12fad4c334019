package io.portcullis.runtime.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.portcullis.api.context.Principal;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.runtime.services.Sha256;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link ApiKeys} in one cluster map from the SHA-256 of each secret to the key's record (JSON). The secret itself is
 * never stored: it is shown once, by {@link #create}, and a lookup hashes what the client presents and asks the
 * hash's owner (one round trip, and no comparison of secrets at all). A revocation removes the entry on its owner
 * and its backup, so the next lookup on any node misses.
 */
public final class ClusterApiKeys implements ApiKeys {

    static final String MAP = "portcullis.api-keys";
    /** Secrets look like OpenAI's ({@code sk-...}), so that clients and secret scanners treat them as such. */
    static final String SECRET_PREFIX = "sk-pc-";

    private final IMap<String, String> keys;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    /** Lookups come from request threads, a new virtual thread each: see {@link ClusterCallThreads}. */
    private final ClusterCallThreads calls = new ClusterCallThreads("portcullis-api-keys");

    public ClusterApiKeys(HazelcastInstance hazelcast) {
        this(hazelcast, Clock.systemUTC());
    }

    ClusterApiKeys(HazelcastInstance hazelcast, Clock clock) {
        this.keys = hazelcast.getMap(MAP);
        this.clock = clock;
    }

    @Override
    public Optional<ApiKey> find(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        String hash = Sha256.hex(secret);
        return Optional.ofNullable(calls.call(() -> keys.get(hash))).map(json -> ClusterJson.read(json, ApiKey.class));
    }

    /**
     * Creates a key.
     *
     * @param name      the operator's name for it
     * @param tenant    its tenant, or {@code null}
     * @param models    the models it may use; empty or {@code null} for all
     * @param limits    its budgets, or {@code null}
     * @param expiresAt when it stops working, or {@code null}
     * @return the key and its secret, which exists nowhere else
     */
    public Created create(String name, String tenant, Set<String> models, Principal.Limits limits, Instant expiresAt) {
        byte[] entropy = new byte[24];
        random.nextBytes(entropy);
        String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(entropy);
        byte[] id = new byte[8];
        random.nextBytes(id);
        ApiKey key = new ApiKey("key_" + HexFormat.of().formatHex(id), name, tenant, models, limits,
                clock.instant(), expiresAt);
        keys.set(Sha256.hex(secret), ClusterJson.write(key));
        return new Created(key, secret);
    }

    /** @return every key, oldest first, without secrets or hashes */
    public List<ApiKey> list() {
        return keys.values().stream().map(json -> ClusterJson.read(json, ApiKey.class))
                .sorted(Comparator.comparing(ApiKey::createdAt).thenComparing(ApiKey::id))
                .toList();
    }

    /**
     * Revokes a key: removed from the cluster, so every node refuses it from now on.
     *
     * @return whether there was such a key
     */
    public boolean revoke(String id) {
        // Keys are few (an operator creates them by hand), so finding one by id scans the map rather than keeping a
        // second index that would have to be updated atomically with the first.
        for (Map.Entry<String, String> entry : keys.entrySet()) {
            if (ClusterJson.read(entry.getValue(), ApiKey.class).id().equals(id)) {
                return keys.remove(entry.getKey(), entry.getValue());
            }
        }
        return false;
    }

    /**
     * A newly created key and its secret.
     *
     * @param key    the key
     * @param secret the secret that opens it, to hand to its user once
     */
    public record Created(ApiKey key, String secret) {
    }
}
