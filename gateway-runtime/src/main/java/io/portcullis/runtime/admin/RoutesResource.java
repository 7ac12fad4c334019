package io.portcullis.runtime.admin;

import io.portcullis.runtime.pipeline.PolicyLink;
import io.portcullis.runtime.pipeline.RouteTable;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code GET /admin/routes}: each route with its policies in order, and why it is unavailable when it is. */
@Path("/admin/routes")
@Produces(MediaType.APPLICATION_JSON)
public final class RoutesResource {

    private final Supplier<RouteTable> routes;

    /** @param routes the current route table (a reload may swap it) */
    public RoutesResource(Supplier<RouteTable> routes) {
        this.routes = routes;
    }

    /** One route as the admin API shows it. */
    public record RouteView(String path, List<PolicyView> policies, String unavailable) {
    }

    /** One policy of a route. */
    public record PolicyView(String name, boolean failOpen) {
    }

    @GET
    public Map<String, List<RouteView>> list() {
        return Map.of("routes", routes.get().all().values().stream()
                .map(p -> new RouteView(p.routeId(), p.links().stream().map(RoutesResource::view).toList(),
                        p.unavailable()))
                .toList());
    }

    private static PolicyView view(PolicyLink link) {
        return new PolicyView(link.name(), link.failOpen());
    }
}
