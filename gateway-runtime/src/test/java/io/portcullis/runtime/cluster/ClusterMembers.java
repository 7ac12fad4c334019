package io.portcullis.runtime.cluster;

import io.portcullis.runtime.config.GatewayConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Starts real cluster members on free loopback ports, in a cluster of their own, for tests. */
final class ClusterMembers {

    private ClusterMembers() {
    }

    static List<ClusterMember> start(int count) {
        String name = "portcullis-test-" + UUID.randomUUID();
        List<ClusterMember> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> peers = members.stream().map(ClusterMember::address).toList();
            members.add(ClusterMember.start(new GatewayConfig.ClusterConfig(name, "127.0.0.1", 0, peers, 3)));
        }
        await().untilAsserted(() -> members.forEach(m -> assertThat(m.members()).hasSize(count)));
        return members;
    }
}
