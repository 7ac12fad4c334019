package io.portcullis.api.service;

import io.portcullis.api.context.Principal;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys that operators create and revoke through the admin API ({@code POST /admin/keys}), shared by every
 * node of the cluster. The runtime keeps only a hash of each secret; a key created on one node opens requests on
 * every node at once, and a revoked one stops within a second everywhere.
 *
 * <p>An authentication plugin asks {@link #find} with the secret a client presented; keys from the plugin's own
 * configuration are the plugin's business.
 */
public interface ApiKeys {

    /**
     * Looks a presented secret up. The lookup is by a hash of the secret, so its time does not depend on how much of
     * the secret matches any stored key.
     *
     * @param secret the secret as the client sent it
     * @return the key it opens, or empty when none (whether unknown or revoked); expiry is left to the caller, so
     *         that it can say "expired" in its log without telling the client
     */
    Optional<ApiKey> find(String secret);

    /**
     * A key as the admin API created it, without its secret.
     *
     * @param id        the key's stable id (what logs and metrics name)
     * @param name      the operator's name for it
     * @param tenant    the tenant it belongs to, or {@code null}
     * @param models    the public model names it may use; {@code *} for all
     * @param limits    its request and token budgets per minute; {@code null} members mean the policy's defaults
     * @param createdAt when it was created
     * @param expiresAt when it stops working, or {@code null} for never
     */
    record ApiKey(String id, String name, String tenant, Set<String> models, Principal.Limits limits,
                  Instant createdAt, Instant expiresAt) {
        public ApiKey {
            models = models == null || models.isEmpty() ? Set.of("*") : Set.copyOf(models);
            limits = limits == null ? Principal.Limits.NONE : limits;
        }

        /** @return whether the key has expired at {@code now} */
        public boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        /** @return the principal requests made with this key act as */
        public Principal principal() {
            return new Principal(id, tenant, models, limits);
        }
    }
}
