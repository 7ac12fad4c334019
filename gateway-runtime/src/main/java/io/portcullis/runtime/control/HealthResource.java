package io.portcullis.runtime.control;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /health/live} (the process answers) and {@code GET /health/ready} (it takes traffic). */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public final class HealthResource {

    private final GatewayStatus status;

    @Inject
    public HealthResource(GatewayStatus status) {
        this.status = status;
    }

    @GET
    @Path("live")
    public Map<String, String> live() {
        return Map.of("status", "live");
    }

    @GET
    @Path("ready")
    public Response ready() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status.isReady() ? "ready" : "starting");
        body.put("plugins", status.plugins());
        body.put("problems", status.problems());
        return Response.status(status.isReady() ? 200 : 503).entity(body).build();
    }
}
