package io.portcullis.api.service;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A request to an upstream.
 *
 * @param method      the HTTP method
 * @param uri         the absolute URI
 * @param headers     request headers (credentials included: the transport never logs them)
 * @param body        the body, or {@code null}
 * @param readTimeout the longest the upstream may stay silent: before the headers, and between two reads of the body
 * @param deadline    when the whole exchange, body included, must be over
 */
public record UpstreamRequest(String method, URI uri, Map<String, String> headers, byte[] body,
                              Duration readTimeout, Instant deadline) {

    public UpstreamRequest {
        headers = Map.copyOf(headers);
    }

    /** Names the headers but never shows their values, nor the URI's query: either may hold a credential. */
    @Override
    public String toString() {
        return "UpstreamRequest[" + method + " " + uri.getScheme() + "://" + uri.getAuthority() + uri.getPath()
                + ", headers=" + new java.util.TreeSet<>(headers.keySet()) + ", body=" + (body == null ? 0 : body.length)
                + " bytes, readTimeout=" + readTimeout + ", deadline=" + deadline + "]";
    }

    /** A {@code POST} of a JSON body. */
    public static UpstreamRequest postJson(URI uri, byte[] json, Map<String, String> headers, Duration readTimeout,
                                           Instant deadline) {
        java.util.Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Content-Type", "application/json");
        return new UpstreamRequest("POST", uri, all, json, readTimeout, deadline);
    }

    /** A {@code GET}. */
    public static UpstreamRequest get(URI uri, Map<String, String> headers, Duration readTimeout, Instant deadline) {
        return new UpstreamRequest("GET", uri, headers, null, readTimeout, deadline);
    }
}
