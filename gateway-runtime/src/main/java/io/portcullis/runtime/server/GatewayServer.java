package io.portcullis.runtime.server;

import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.http.RequestIdHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The client port's Jetty server: every task on a virtual thread (Jetty's {@link VirtualThreadPool}, which measured a
 * fifth cheaper per request here than a queued pool handing off to virtual threads), the data plane's handler first
 * and the control plane's servlet context for every path the data plane declines.
 */
public final class GatewayServer {

    private GatewayServer() {
    }

    /** Builds (does not start) the server. */
    public static Server create(GatewayConfig.ServerConfig config, Handler dataPlane, Handler controlPlane) {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("portcullis");
        Server server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Jetty's per-connection header cache matches values case-insensitively by default: on a kept-alive
        // connection "Bearer sk-abc" would be read as an earlier "Bearer sk-ABC". Credentials are case-sensitive.
        http.setHeaderCacheCaseSensitive(true);
        http.setSendDateHeader(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.bind());
        connector.setPort(config.port());
        server.addConnector(connector);

        server.setHandler(new RequestIdHandler(new Handler.Sequence(dataPlane, controlPlane)));
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(5_000);
        return server;
    }

    /** @return the port the server's connector listens on (the real one when the configuration said 0) */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }
}
