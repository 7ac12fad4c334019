package io.portcullis.api.context;

import java.util.Set;

/**
 * Who a request is made for, as an authentication policy established it.
 *
 * <p>Until an authentication policy runs, a request's principal is {@link #ANONYMOUS}.
 *
 * @param id            a stable id of the credential (an API key's id, a JWT's subject), never the secret itself
 * @param tenant        the tenant the caller belongs to, or {@code null}
 * @param allowedModels the public model names the caller may use; {@code *} allows every model
 * @param limits        the caller's own request and token budgets
 */
public record Principal(String id, String tenant, Set<String> allowedModels, Limits limits) {

    /** The caller of a route without authentication. */
    public static final Principal ANONYMOUS = new Principal("anonymous", null, Set.of("*"), Limits.NONE);

    public Principal {
        allowedModels = Set.copyOf(allowedModels);
        limits = limits == null ? Limits.NONE : limits;
    }

    /** @return whether this caller may use the given public model name */
    public boolean mayUse(String model) {
        return allowedModels.contains("*") || allowedModels.contains(model);
    }

    /**
     * Budgets attached to a caller; {@code null} means the policy's own default applies.
     *
     * @param requestsPerMinute requests per minute, or {@code null}
     * @param tokensPerMinute   tokens per minute, or {@code null}
     */
    public record Limits(Long requestsPerMinute, Long tokensPerMinute) {
        /** No budgets of the caller's own. */
        public static final Limits NONE = new Limits(null, null);
    }
}
