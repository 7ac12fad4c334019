package io.portcullis.bench;

import io.portcullis.api.service.HttpTransport;
import io.portcullis.api.service.UpstreamRequest;
import io.portcullis.api.service.UpstreamResponse;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * An upstream in memory: every whole answer ({@link #exchange}) is one recorded body, every stream ({@link #send}) is
 * another. What a benchmark through it measures is the adapter's own work: writing the request's JSON, reading the
 * answer's.
 */
final class CannedTransport implements HttpTransport {

    private final byte[] whole;
    private final byte[] stream;

    /**
     * @param whole  the body of a whole answer (JSON)
     * @param stream the body of a streamed answer (server-sent events)
     */
    CannedTransport(byte[] whole, byte[] stream) {
        this.whole = whole;
        this.stream = stream;
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        return new Canned(stream);
    }

    @Override
    public UpstreamResponse exchange(UpstreamRequest request, int maxBodyBytes) {
        return new Canned(whole);
    }

    private record Canned(byte[] bytes) implements UpstreamResponse {
        @Override
        public int status() {
            return 200;
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.empty();
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public String bodyAsString(int maxBytes) {
            return new String(bytes, 0, Math.min(maxBytes, bytes.length), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }
    }
}
