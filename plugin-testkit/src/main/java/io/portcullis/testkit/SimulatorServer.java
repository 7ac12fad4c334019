package io.portcullis.testkit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Jetty side every simulator shares: a server on {@code 127.0.0.1} and an ephemeral port, each request on its own
 * virtual thread, the requests being answered tracked so that stopping can wake the ones that hang, and the plain-text
 * helpers (token counts, chunking) their fake answers use.
 */
final class SimulatorServer {

    /** What a simulator does with one request; throwing ends it by dropping the connection. */
    @FunctionalInterface
    interface Answerer {
        void answer(Request request, Response response, SimulatedExchange exchange) throws Exception;
    }

    private final String name;
    private final Server server;
    private final Set<SimulatedExchange> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionsOpened = new AtomicInteger();

    /**
     * Starts a server.
     *
     * @param name          the simulator's name, for error messages ("OpenAI")
     * @param onClosedEarly called each time a client closes a connection before its answer was settled
     * @param answerer      what answers each request
     */
    SimulatorServer(String name, Runnable onClosedEarly, Answerer answerer) {
        this.name = name;
        server = new Server(new VirtualThreadPool());
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // Long enough never to end a scripted hang by itself: only the client (or close()) ends it.
        connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                connectionsOpened.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                SimulatedExchange exchange = new SimulatedExchange(request, response, onClosedEarly);
                inFlight.add(exchange);
                try {
                    answerer.answer(request, response, exchange);
                    // Every answer ends with a last write, which stops the watch; this one is for the rare other case.
                    if (!exchange.stopWatching() && !response.isCommitted()) {
                        response.getHeaders().put("Connection", "close");
                    }
                    callback.succeeded();
                } catch (Throwable failure) {
                    // Failing the callback makes Jetty drop the connection: the right end for an abandoned or broken
                    // answer.
                    callback.failed(failure);
                } finally {
                    inFlight.remove(exchange);
                }
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("the " + name + " simulator could not start", e);
        }
    }

    /** @return the port the server listens on */
    int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** @return how many connections clients have opened so far: how a test sees that a client reuses them */
    int connectionsOpened() {
        return connectionsOpened.get();
    }

    /** @return the requests being answered right now, hanging ones included */
    int inFlight() {
        return inFlight.size();
    }

    /** Stops the server; hanging requests end and their connections close. */
    void stop() {
        new ArrayList<>(inFlight).forEach(SimulatedExchange::release);
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the " + name + " simulator did not stop cleanly", e);
        }
    }

    /** A plausible token count: about four characters a token, as OpenAI's own rule of thumb says. */
    static int tokens(String text) {
        return text.isEmpty() ? 0 : Math.max(1, (text.length() + 3) / 4);
    }

    /** Splits a text into {@code count} pieces, or into words (each with the spaces before it) when count is 0. */
    static List<String> pieces(String text, int count) {
        if (text.isEmpty()) {
            return List.of();
        }
        if (count <= 0) {
            return List.of(text.split("(?<=\\S)(?=\\s)"));
        }
        int n = Math.min(count, text.length());
        List<String> pieces = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pieces.add(text.substring(i * text.length() / n, (i + 1) * text.length() / n));
        }
        return pieces;
    }
}
