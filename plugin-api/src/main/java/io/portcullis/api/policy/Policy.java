package io.portcullis.api.policy;

/**
 * One concern applied to every request of a route: authentication, a rate limit, a cache, a redaction...
 *
 * <p>A policy runs on the request's own virtual thread and may block (a cluster lookup, an HTTP call). It is shared
 * by all requests of a route, so it must be thread-safe; per-request state belongs in the {@link Exchange}.
 *
 * <pre>{@code
 * public Reply apply(Exchange exchange, Chain chain) {
 *     if (!allowed(exchange)) {
 *         throw new GatewayException(ErrorCode.PERMISSION_DENIED, "...");   // answer without proceeding
 *     }
 *     Reply reply = chain.proceed(exchange.with(rewrite(exchange.request())));   // exactly once
 *     return reply.onComplete(done -> record(done.usage()));                     // see the outcome
 * }
 * }</pre>
 *
 * <p>GOOD: call {@code proceed} once, or not at all. BAD: calling it twice (the runtime rejects the second call,
 * naming your policy), or swallowing an exception from {@code proceed} and returning {@code null}.
 */
@FunctionalInterface
public interface Policy {

    /**
     * Applies this policy to one request.
     *
     * @param exchange the request and its context
     * @param chain    the rest of the pipeline
     * @return the reply for the client, never {@code null}
     * @throws io.portcullis.api.error.GatewayException to answer the client with an error
     */
    Reply apply(Exchange exchange, Chain chain);
}
