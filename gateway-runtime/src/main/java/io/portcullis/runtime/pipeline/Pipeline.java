package io.portcullis.runtime.pipeline;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.Metrics;

import java.util.List;

/**
 * A route's ordered policies followed by the terminal stage. Immutable and shared by every request of the route.
 *
 * @param routeId     the route's id (its path)
 * @param links       the policies, in the order they run
 * @param terminal    what answers after the last policy
 * @param unavailable why the route cannot serve (a policy whose plugin is missing), or {@code null}
 * @param metrics     where skipped fail-open policies are counted
 */
public record Pipeline(String routeId, List<PolicyLink> links, Terminal terminal, String unavailable,
                       Metrics metrics) {

    public Pipeline {
        links = List.copyOf(links);
    }

    /** Runs the exchange through the pipeline. */
    public Reply execute(Exchange exchange) {
        if (unavailable != null) {
            throw new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, unavailable);
        }
        return new RealChain(this, 0).proceed(exchange);
    }
}
