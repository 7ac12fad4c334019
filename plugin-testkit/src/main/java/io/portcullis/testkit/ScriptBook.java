package io.portcullis.testkit;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every simulator keeps between requests, whatever its script type: the standing script, the scripts of the next
 * requests in order, and the requests it received. Thread-safe.
 *
 * @param <S> the simulator's script type
 */
final class ScriptBook<S> {

    private final String simulator;
    private final S defaultScript;
    private final Queue<S> nextScripts = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile S standingScript;

    /**
     * @param simulator     the simulator's name, for error messages ("OpenAI")
     * @param defaultScript the script of every request nothing else scripted
     */
    ScriptBook(String simulator, S defaultScript) {
        this.simulator = simulator;
        this.defaultScript = defaultScript;
        this.standingScript = defaultScript;
    }

    /** Scripts every following request. */
    void script(S script) {
        standingScript = Objects.requireNonNull(script, "script");
    }

    /** Scripts the next request only, after those already scripted. */
    void scriptNext(S script) {
        nextScripts.add(Objects.requireNonNull(script, "script"));
    }

    /** Reads and records a request. */
    RecordedRequest record(Request request) throws IOException {
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        RecordedRequest recorded = RecordedRequest.of(request, body);
        requests.add(recorded);
        return recorded;
    }

    /** @return the script of the request being answered: the next one scripted, else the standing one */
    S take() {
        return Optional.ofNullable(nextScripts.poll()).orElse(standingScript);
    }

    /** Forgets the scripts and the recorded requests. */
    void reset() {
        nextScripts.clear();
        standingScript = defaultScript;
        requests.clear();
    }

    /** @return every request received so far, oldest first */
    List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** @return the latest request received */
    RecordedRequest lastRequest() {
        if (requests.isEmpty()) {
            throw new IllegalStateException("the " + simulator + " simulator has received no request");
        }
        return requests.get(requests.size() - 1);
    }
}
