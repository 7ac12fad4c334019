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
 * @param inFlight    the requests running on this pipeline's generation of routes (shared by a route table's
 *                    pipelines), so that a plugin reload knows when the old generation is idle
 */
public record Pipeline(String routeId, List<PolicyLink> links, Terminal terminal, String unavailable,
                       Metrics metrics, InFlight inFlight) {

    public Pipeline {
        links = List.copyOf(links);
    }

    /** A pipeline that counts its requests on its own. */
    public Pipeline(String routeId, List<PolicyLink> links, Terminal terminal, String unavailable, Metrics metrics) {
        this(routeId, links, terminal, unavailable, metrics, new InFlight());
    }

    /** Runs the exchange through the pipeline, counted in {@link #inFlight()} until its reply is done. */
    public Reply execute(Exchange exchange) {
        if (unavailable != null) {
            throw new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, unavailable);
        }
        inFlight.enter();
        Reply reply;
        try {
            reply = new RealChain(this, 0).proceed(exchange);
        } catch (RuntimeException | Error e) {
            inFlight.exit();
            throw e;
        }
        return inFlight.exitWhenDone(reply);
    }
}
