package io.portcullis.runtime.routing;

import io.portcullis.api.context.AttributeKey;

import java.util.ArrayList;
import java.util.List;

/**
 * What the access log needs to know about a request that only the stages deep inside it learn: which targets were
 * tried and how they fared. Created by the data plane, filled by the router; one per request, used by its thread.
 */
public final class RequestRecord {

    /** Where the exchange carries it. */
    public static final AttributeKey<RequestRecord> KEY = AttributeKey.of("portcullis.request-record",
            RequestRecord.class);

    private final List<String> attempts = new ArrayList<>();
    private String provider;
    private String principal;

    /** Notes who the request was made for, as the policies established it (an id, never a secret). */
    public void madeFor(String principalId) {
        principal = principalId;
    }

    /** @return the principal's id, or {@code null} when the request never reached the router */
    public String principal() {
        return principal;
    }

    /** Notes an attempt on a target: {@code openai/gpt-4o-mini=502}. */
    public void attempt(String target, String outcome) {
        attempts.add(target + "=" + outcome);
    }

    /** Notes the provider that answered. */
    public void answeredBy(String providerId) {
        provider = providerId;
    }

    /** @return the attempts, in order */
    public List<String> attempts() {
        return attempts;
    }

    /** @return the provider that answered, or {@code null} */
    public String provider() {
        return provider;
    }
}
