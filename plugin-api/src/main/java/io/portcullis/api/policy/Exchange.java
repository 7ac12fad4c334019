package io.portcullis.api.policy;

import io.portcullis.api.context.AttributeKey;
import io.portcullis.api.context.Principal;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.GatewayRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request on its way through a route's pipeline: the canonical request and everything known about it.
 *
 * <p>Immutable: a policy that changes something passes a copy made with a {@code with...} method to
 * {@link Chain#proceed}. Copies share nothing mutable.
 */
public final class Exchange {

    private final GatewayRequest request;
    private final Principal principal;
    private final String routeId;
    private final String requestId;
    private final String sessionId;
    private final Instant deadline;
    private final Map<String, String> headers;
    private final Map<AttributeKey<?>, Object> attributes;

    private Exchange(GatewayRequest request, Principal principal, String routeId, String requestId, String sessionId,
                     Instant deadline, Map<String, String> headers, Map<AttributeKey<?>, Object> attributes) {
        this.request = Objects.requireNonNull(request, "request");
        this.principal = Objects.requireNonNull(principal, "principal");
        this.routeId = routeId;
        this.requestId = requestId;
        this.sessionId = sessionId;
        this.deadline = deadline;
        this.headers = headers;
        this.attributes = attributes;
    }

    /**
     * A new exchange, as the runtime makes one per request (and tests make their own).
     *
     * @param request   the decoded request
     * @param routeId   the route's id (its path)
     * @param requestId the request's id, as in {@code x-request-id}
     * @param deadline  when the whole request must be answered by
     * @param headers   the client's request headers, names in lower case; credentials included, so never log them
     */
    public static Exchange of(GatewayRequest request, String routeId, String requestId, Instant deadline,
                              Map<String, String> headers) {
        return new Exchange(request, Principal.ANONYMOUS, routeId, requestId, null, deadline, Map.copyOf(headers),
                Map.of());
    }

    /** @return the canonical request */
    public GatewayRequest request() {
        return request;
    }

    /** @return the request if it is a chat completion, else empty */
    public Optional<ChatRequest> chat() {
        return request instanceof ChatRequest chat ? Optional.of(chat) : Optional.empty();
    }

    /** @return who the request is for; {@link Principal#ANONYMOUS} until an authentication policy has run */
    public Principal principal() {
        return principal;
    }

    /** @return the id of the route the request came in on */
    public String routeId() {
        return routeId;
    }

    /** @return the request's id, as the client sees it in {@code x-request-id} */
    public String requestId() {
        return requestId;
    }

    /** @return the conversation session's id, or {@code null} when none is known */
    public String sessionId() {
        return sessionId;
    }

    /** @return when the request must be answered by */
    public Instant deadline() {
        return deadline;
    }

    /** @return the time left until the deadline, never negative */
    public Duration remaining() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * @param name a header name, in any case
     * @return the client's header value, or empty
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
    }

    /** @return the value a previous policy stored under {@code key}, or empty */
    public <T> Optional<T> get(AttributeKey<T> key) {
        return Optional.ofNullable(key.type().cast(attributes.get(key)));
    }

    /** @return a copy carrying another request */
    public Exchange with(GatewayRequest newRequest) {
        return new Exchange(newRequest, principal, routeId, requestId, sessionId, deadline, headers, attributes);
    }

    /** @return a copy made for another principal */
    public Exchange with(Principal newPrincipal) {
        return new Exchange(request, newPrincipal, routeId, requestId, sessionId, deadline, headers, attributes);
    }

    /** @return a copy with {@code key} set to {@code value} */
    public <T> Exchange with(AttributeKey<T> key, T value) {
        Map<AttributeKey<?>, Object> copy = new HashMap<>(attributes);
        copy.put(key, key.type().cast(Objects.requireNonNull(value, "value")));
        return new Exchange(request, principal, routeId, requestId, sessionId, deadline, headers, Map.copyOf(copy));
    }

    /** @return a copy belonging to the given conversation session */
    public Exchange withSessionId(String newSessionId) {
        return new Exchange(request, principal, routeId, requestId, newSessionId, deadline, headers, attributes);
    }

    /** @return a copy with an earlier or later deadline */
    public Exchange withDeadline(Instant newDeadline) {
        return new Exchange(request, principal, routeId, requestId, sessionId, newDeadline, headers, attributes);
    }
}
