package io.portcullis.runtime.routing;

import io.portcullis.api.context.AttributeKey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the access log needs to know about a request that only the stages deep inside it learn: which targets were
 * tried and how they fared, who answered, what it cost. Created by the data plane, filled by the router; one per
 * request, used by its thread (a stream's cost is noted when its usage chunk passes, still on that thread).
 */
public final class RequestRecord {

    /** Where the exchange carries it. */
    public static final AttributeKey<RequestRecord> KEY = AttributeKey.of("portcullis.request-record",
            RequestRecord.class);

    private final List<Attempt> attempts = new ArrayList<>();
    private String provider;
    private String principal;
    private volatile Double costUsd;

    /**
     * One call on a target, or one skipped because its circuit was open.
     *
     * @param target    {@code <provider>/<upstream model>}
     * @param outcome   {@code ok}, {@code content_filter}, {@code circuit_open}, {@code rate_limited},
     *                  {@code timeout}, {@code unreachable}, {@code rejected} or {@code error}
     * @param status    the HTTP status the attempt amounts to (200 for {@code ok}), 0 when no call was made
     * @param latencyMs how long the attempt took: to the whole answer, or to a stream's first chunk
     */
    public record Attempt(String target, String outcome, int status, double latencyMs) {

        /** @return {@code openai/gpt-4o-mini=502}, the short form for log messages */
        @Override
        public String toString() {
            return target + "=" + (status == 0 || outcome.equals("ok") ? outcome : outcome + "/" + status);
        }
    }

    /** Notes who the request was made for, as the policies established it (an id, never a secret). */
    public void madeFor(String principalId) {
        principal = principalId;
    }

    /** @return the principal's id, or {@code null} when the request never reached the router */
    public String principal() {
        return principal;
    }

    /** Notes an attempt on a target. */
    public void attempt(String target, String outcome, int status, Duration latency) {
        attempts.add(new Attempt(target, outcome, status, latency.toNanos() / 1_000_000.0));
    }

    /** Notes the provider that answered. */
    public void answeredBy(String providerId) {
        provider = providerId;
    }

    /** Adds what a call cost, in US dollars: a request that fell back may have paid for more than one answer. */
    public void addCost(double usd) {
        Double before = costUsd;
        costUsd = before == null ? usd : before + usd;
    }

    /** @return the attempts, in order (a live view: a stream's record is complete once the stream is) */
    public List<Attempt> attempts() {
        return Collections.unmodifiableList(attempts);
    }

    /** @return the provider that answered, or {@code null} */
    public String provider() {
        return provider;
    }

    /** @return what the answer cost in US dollars, or {@code null} when its model has no price or no usage came */
    public Double costUsd() {
        return costUsd;
    }
}
