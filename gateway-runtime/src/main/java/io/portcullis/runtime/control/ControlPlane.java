package io.portcullis.runtime.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.runtime.json.Json;
import jakarta.ws.rs.ext.ContextResolver;
import io.portcullis.runtime.services.MicrometerMetrics;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The control plane of the client port: health, models and metrics as Jersey resources in an ee10 servlet context
 * (how Dropwizard runs Jersey 3.1 on Jetty 12). Its conveniences cost more per call than the data plane's handlers,
 * which is fine for endpoints that are not on the request path.
 */
public final class ControlPlane {

    private ControlPlane() {
    }

    /** Builds the servlet context serving the control-plane resources. */
    public static ServletContextHandler build(GatewayStatus status, ModelsResource.RouterSupplier router,
                                              MicrometerMetrics metrics) {
        ResourceConfig resources = new ResourceConfig()
                .register(JacksonFeature.class)
                .register(new SharedMapper())
                .register(new AbstractBinder() {
                    @Override
                    protected void configure() {
                        bind(status).to(GatewayStatus.class);
                        bind(router).to(ModelsResource.RouterSupplier.class);
                        bind(metrics).to(MicrometerMetrics.class);
                    }
                })
                .register(HealthResource.class)
                .register(ModelsResource.class)
                .register(MetricsResource.class)
                .register(OpenAiErrorMapper.class)
                .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                // Jersey would buffer 8 KiB of every response to compute a Content-Length; nothing here needs it.
                .property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("jersey", new ServletContainer(resources)), "/*");
        return context;
    }

    /** Gives Jersey the runtime's one mapper. */
    private static final class SharedMapper implements ContextResolver<ObjectMapper> {
        @Override
        public ObjectMapper getContext(Class<?> type) {
            return Json.mapper();
        }
    }
}
