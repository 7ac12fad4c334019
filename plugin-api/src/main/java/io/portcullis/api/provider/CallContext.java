package io.portcullis.api.provider;

import java.time.Duration;
import java.time.Instant;

/**
 * What a provider needs to know about the call besides the request.
 *
 * @param requestId the gateway's request id, to forward upstream for tracing
 * @param deadline  when the call must have answered by; the provider's timeouts must not run past it
 */
public record CallContext(String requestId, Instant deadline) {

    /** @return the time left until the deadline, never negative */
    public Duration remaining() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
