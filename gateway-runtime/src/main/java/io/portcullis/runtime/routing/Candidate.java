package io.portcullis.runtime.routing;

import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.config.GatewayConfig;

/**
 * One target a request may go to.
 *
 * @param providerId    the provider's id
 * @param provider      the provider
 * @param upstreamModel the upstream's name for the model
 * @param weight        its share of traffic under the weighted strategy
 * @param price         its price, or {@code null}
 * @param health        its breaker and latency average
 */
record Candidate(String providerId, Provider provider, String upstreamModel, double weight,
                 GatewayConfig.Price price, TargetHealth health) {

    /** @return {@code provider/upstream model}, as logs name it */
    String label() {
        return providerId + "/" + upstreamModel;
    }
}
