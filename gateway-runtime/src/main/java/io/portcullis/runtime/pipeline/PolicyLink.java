package io.portcullis.runtime.pipeline;

import io.portcullis.api.policy.Policy;

/**
 * One policy of a route, as configured.
 *
 * @param name     the name the route lists it by
 * @param policy   the policy its plugin built
 * @param failOpen whether a failure of the policy (an unexpected exception, not a deliberate GatewayException)
 *                 skips it instead of failing the request
 */
public record PolicyLink(String name, Policy policy, boolean failOpen) {
}
