package io.portcullis.runtime.cluster;

import io.portcullis.runtime.config.GatewayConfig;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where a member listens: a single node moves on from a taken port; a clustered node does not, and says why. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClusterMemberTest {

    @Test
    void a_single_node_whose_port_is_taken_takes_the_next_free_one() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ClusterMember member = ClusterMember.start(config(taken.getLocalPort(), List.of()))) {
            assertThat(member.address()).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:" + taken.getLocalPort());
            assertThat(member.members()).singleElement().satisfies(m -> assertThat(m.thisNode()).isTrue());
        }
    }

    @Test
    void a_clustered_node_whose_port_is_taken_does_not_start_and_names_the_setting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> ClusterMember.start(config(taken.getLocalPort(), List.of("127.0.0.1:1"))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("cluster.port");
        }
    }

    private static GatewayConfig.ClusterConfig config(int port, List<String> members) {
        return new GatewayConfig.ClusterConfig("portcullis-test-" + UUID.randomUUID(), "127.0.0.1", port, members, 3);
    }
}
