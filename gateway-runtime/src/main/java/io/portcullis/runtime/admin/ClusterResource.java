package io.portcullis.runtime.admin;

import io.portcullis.runtime.cluster.ClusterMember;
import io.portcullis.runtime.wire.openai.OpenAiErrors;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /admin/cluster}: the cluster's name, this node's member address and every member, oldest first. */
@Path("/admin/cluster")
@Produces(MediaType.APPLICATION_JSON)
public final class ClusterResource {

    private final ClusterMember cluster;

    /** @param cluster this node's member */
    public ClusterResource(ClusterMember cluster) {
        this.cluster = cluster;
    }

    @GET
    public Response describe() {
        if (!cluster.isRunning()) {
            return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(OpenAiErrors.body("this node's cluster member is not running: take the node out of the "
                            + "load balancer and restart it", "server_error", null, "cluster_unavailable"))
                    .build();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", cluster.name());
        answer.put("thisNode", cluster.address());
        answer.put("members", cluster.members());
        return Response.ok(answer).build();
    }
}
