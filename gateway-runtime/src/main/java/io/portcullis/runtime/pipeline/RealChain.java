package io.portcullis.runtime.pipeline;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain handed to the policy at {@code index}: {@link #proceed} runs the next policy, or the terminal after the
 * last. Enforces the contract and names the culprit: {@code proceed} at most once, never a {@code null} reply. A
 * stream that a failing policy received and did not return is closed, so that its upstream connection is released.
 *
 * <p>A policy that fails with anything but a {@link GatewayException} is a bug: fail-closed policies turn it into a
 * 500 whose message names the policy; fail-open ones are skipped (or, if they had already proceeded, their
 * downstream reply is used) with a log line and a metric.
 */
final class RealChain implements Chain {

    private static final Logger log = LoggerFactory.getLogger(RealChain.class);

    private final Pipeline pipeline;
    private final int index;
    private boolean proceeded;
    private Reply downstreamReply;

    RealChain(Pipeline pipeline, int index) {
        this.pipeline = pipeline;
        this.index = index;
    }

    @Override
    public Reply proceed(Exchange exchange) {
        if (proceeded) {
            throw new IllegalStateException("policy '" + pipeline.links().get(index - 1).name()
                    + "' called proceed() more than once");
        }
        proceeded = true;
        if (index == pipeline.links().size()) {
            downstreamReply = pipeline.terminal().answer(exchange);
            return downstreamReply;
        }
        PolicyLink link = pipeline.links().get(index);
        RealChain next = new RealChain(pipeline, index + 1);
        Reply reply;
        try {
            reply = link.policy().apply(exchange, next);
        } catch (GatewayException e) {
            next.abandon();
            throw e;
        } catch (RuntimeException e) {
            reply = failed(link, next, exchange, e);
        }
        if (reply == null) {
            // Thrown as a GatewayException so that the policies before this one pass it on instead of taking the blame.
            next.abandon();
            log.error("Policy '{}' returned a null reply on request {}", link.name(), exchange.requestId());
            throw new GatewayException(ErrorCode.INTERNAL, "policy '" + link.name() + "' returned no reply. Quote "
                    + "request id " + exchange.requestId() + " to the gateway's operator.");
        }
        downstreamReply = reply;
        return reply;
    }

    /**
     * Closes the stream this chain answered with when the policy that received it fails instead of returning it:
     * no one else would, and it holds an upstream connection open.
     */
    private void abandon() {
        if (downstreamReply instanceof Reply.Streaming streaming) {
            try {
                streaming.chunks().close();
            } catch (RuntimeException e) {
                log.warn("Closing an abandoned stream failed", e);
            }
        }
    }

    private Reply failed(PolicyLink link, RealChain next, Exchange exchange, RuntimeException failure) {
        if (!link.failOpen()) {
            log.error("Policy '{}' failed on request {}", link.name(), exchange.requestId(), failure);
            next.abandon();
            throw new GatewayException(ErrorCode.INTERNAL, "policy '" + link.name() + "' failed"
                    + (next.proceeded ? " after the request had been answered downstream" : "; the request was not "
                    + "sent upstream") + ". Quote request id " + exchange.requestId() + " to the gateway's operator.",
                    failure);
        }
        log.warn("Policy '{}' failed on request {} and is fail-open: skipped", link.name(), exchange.requestId(),
                failure);
        pipeline.metrics().increment("portcullis.policy.skipped", "policy", link.name());
        if (next.proceeded) {
            if (next.downstreamReply != null) {
                return next.downstreamReply;
            }
            throw new GatewayException(ErrorCode.INTERNAL, "policy '" + link.name()
                    + "' failed after the request had been answered downstream", failure);
        }
        return next.proceed(exchange);
    }
}
