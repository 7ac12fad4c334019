package io.portcullis.runtime.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.control.OpenAiErrorMapper;
import io.portcullis.runtime.json.Json;
import jakarta.ws.rs.ext.ContextResolver;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.servlet.ServletContainer;

import java.util.List;

/**
 * The admin API: Jersey resources on a Jetty server of their own, on {@code admin.port} (loopback by default), every
 * call checked against {@code admin.token} by {@link AdminTokenFilter}. A separate server rather than a second
 * connector so that nothing of the data plane's handling (routes, body limits, access log) can ever answer here, and
 * a firewall rule or a bind address can keep operators' endpoints apart from clients'.
 *
 * <p>Features contribute resources: the assembly in {@code Portcullis} passes each resource instance (already given
 * what it needs) to {@link #create}.
 */
public final class AdminPlane {

    private AdminPlane() {
    }

    /**
     * Builds (does not start) the admin server.
     *
     * @param config    the {@code admin:} section
     * @param resources Jersey resource instances to serve, each under {@code /admin/...}
     */
    public static Server create(GatewayConfig.AdminConfig config, List<Object> resources) {
        ResourceConfig jersey = new ResourceConfig()
                .register(JacksonFeature.class)
                .register(new SharedMapper())
                .register(new AdminTokenFilter(config.token()))
                .register(OpenAiErrorMapper.class)
                .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                .property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0);
        resources.forEach(jersey::register);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("admin", new ServletContainer(jersey)), "/*");

        // Operators' calls are few: a small pool of platform threads, apart from the data plane's virtual threads.
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("portcullis-admin");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Jetty's per-connection header cache matches values case-insensitively by default: on a kept-alive
        // connection "Bearer sk-abc" would be read as an earlier "Bearer sk-ABC". Credentials are case-sensitive.
        http.setHeaderCacheCaseSensitive(true);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.bind());
        connector.setPort(config.port());
        server.addConnector(connector);
        server.setHandler(context);
        server.setStopTimeout(2_000);
        return server;
    }

    /** @return the port the admin server listens on (the real one when the configuration said 0) */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Gives Jersey the runtime's one mapper. */
    private static final class SharedMapper implements ContextResolver<ObjectMapper> {
        @Override
        public ObjectMapper getContext(Class<?> type) {
            return Json.mapper();
        }
    }
}
