package io.portcullis.runtime.admin;

import io.portcullis.runtime.cluster.ClusterMember;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

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
    public Map<String, Object> describe() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", cluster.name());
        answer.put("thisNode", cluster.address());
        answer.put("members", cluster.members());
        return answer;
    }
}
