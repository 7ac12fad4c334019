package io.portcullis.api.policy;

import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Usage;

/**
 * How a reply ended, as {@link Reply#onComplete} hooks see it.
 *
 * @param response the complete chat response (assembled from the chunks, for a stream), or {@code null} for an
 *                 embeddings reply
 * @param usage    the token usage the upstream reported, or {@code null} when it reported none
 * @param finished {@code true} when the reply reached its end; {@code false} when a stream was cut short (the client
 *                 went away, the upstream failed) — {@code response} and {@code usage} then hold what arrived
 */
public record Completion(ChatResponse response, Usage usage, boolean finished) {
}
