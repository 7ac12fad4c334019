package io.portcullis.api.policy;

/**
 * The rest of the pipeline after a policy: the next policies, then the model router and a provider.
 *
 * <p>A policy calls {@link #proceed} at most once per request; a second call fails with an
 * {@link IllegalStateException} naming the policy.
 */
@FunctionalInterface
public interface Chain {

    /**
     * Passes the (possibly changed) exchange on and returns what came back.
     *
     * @param exchange the exchange to pass on: the one received, or a copy made with {@code Exchange.with...}
     * @return the reply, never {@code null}
     * @throws io.portcullis.api.error.GatewayException when a later stage answers with an error
     */
    Reply proceed(Exchange exchange);
}
