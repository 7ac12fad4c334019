package io.portcullis.runtime.admin;

import io.portcullis.runtime.PluginReloader;
import io.portcullis.runtime.plugins.PluginStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/plugins}: every file of the plugins folder with its id, version, state, problem, what it
 * contributes and the routes using it. {@code POST /admin/plugins/reload}: rescans the folder now (the same as the
 * folder watcher does after a change), and answers with what started and stopped.
 */
@Path("/admin/plugins")
@Produces(MediaType.APPLICATION_JSON)
public final class PluginsResource {

    private final PluginReloader reloader;

    /** @param reloader the plugins and their routes */
    public PluginsResource(PluginReloader reloader) {
        this.reloader = reloader;
    }

    /** One plugin as the admin API shows it. */
    public record PluginView(String file, String id, String version, String state, String problem,
                             List<String> policies, List<String> providers, List<String> routes) {
    }

    /** What a reload did, and the plugins after it. */
    public record ReloadView(List<String> started, List<String> stopped, String problem, List<PluginView> plugins) {
    }

    @GET
    public Map<String, List<PluginView>> list() {
        return Map.of("plugins", views());
    }

    @POST
    @Path("/reload")
    public ReloadView reload() {
        PluginReloader.Result result = reloader.reload();
        return new ReloadView(result.started(), result.stopped(), result.problem(), views());
    }

    private List<PluginView> views() {
        return reloader.statuses().stream().map(this::view).toList();
    }

    private PluginView view(PluginStatus status) {
        return new PluginView(status.file(), status.id(), status.version(), status.state(), status.problem(),
                status.policies(), status.providers(), reloader.routesUsing(status.file()));
    }
}
