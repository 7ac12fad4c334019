package io.portcullis.runtime.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import io.portcullis.runtime.config.GatewayConfig;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's embedded Hazelcast member, configured in code from {@code cluster:} alone: TCP-IP join with the listed
 * members (no multicast, no auto-detection, so a node never wanders into a cluster it was not told about), bound to
 * {@code cluster.bind}, one synchronous backup of every map so that any one node's death loses nothing, and failure
 * detection in seconds rather than Hazelcast's default minute.
 *
 * <p>Everything the cluster stores is made of runtime or library classes (JSON strings, Bucket4j state), loaded with
 * the runtime's class loader: a plugin's class never reaches Hazelcast.
 */
public final class ClusterMember implements AutoCloseable {

    /** The first of the type ids Bucket4j's serializers use; far from Hazelcast's own. */
    private static final int BUCKET4J_TYPE_ID_BASE = 10_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final HazelcastInstance hazelcast;

    private ClusterMember(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /**
     * Starts the member and returns once it has joined its cluster (or formed one of its own).
     *
     * @throws IllegalStateException naming the address when the member cannot start (port taken, no such interface)
     */
    public static ClusterMember start(GatewayConfig.ClusterConfig config) {
        try {
            return new ClusterMember(Hazelcast.newHazelcastInstance(hazelcastConfig(config)));
        } catch (HazelcastException | IllegalStateException e) {
            throw new IllegalStateException("the cluster member could not start on " + config.bind() + ":"
                    + config.port() + " (cluster.bind, cluster.port): " + e.getMessage(), e);
        }
    }

    static Config hazelcastConfig(GatewayConfig.ClusterConfig cluster) {
        Config config = new Config();
        config.setClusterName(cluster.name());
        config.setInstanceName("portcullis-" + cluster.name() + "-" + INSTANCES.incrementAndGet());
        config.setClassLoader(ClusterMember.class.getClassLoader());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // The gateway stops its member itself, after its listeners, so that requests in flight still reach the cluster.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A member whose host dies without closing its sockets is removed after this many silent seconds (default 60).
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.failureDetectionSeconds()));
        // Nodes started together may each form a cluster of one before they see each other: merge them soon.
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        // Fewer partitions than the default 271: the gateway's maps are small, and migrations after a member comes or
        // goes finish sooner. Every node must agree, hence a constant rather than a setting.
        config.setProperty("hazelcast.partition.count", "71");
        if (!"0.0.0.0".equals(cluster.bind())) {
            config.setProperty("hazelcast.local.localAddress", cluster.bind());
            config.setProperty("hazelcast.socket.bind.any", "false");
        }

        NetworkConfig network = config.getNetworkConfig();
        network.setPort(cluster.port());
        // A single node may move on to the next free port (nobody needs to find it); a clustered node is named by its
        // peers' member lists, so it binds exactly the port it was given or fails saying so.
        network.setPortAutoIncrement(cluster.members().isEmpty() && cluster.port() != 0);
        network.setPortCount(100);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        // TCP-IP even with no members (it then contacts nobody): every member must use the same join method, or a
        // node that lists a single node as its member is refused by it.
        join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());

        // One synchronous backup: a write returns once two members hold it, so any one member's death loses nothing.
        config.addMapConfig(new MapConfig("default").setBackupCount(1).setAsyncBackupCount(0));
        HazelcastProxyManager.addCustomSerializers(config.getSerializationConfig(), BUCKET4J_TYPE_ID_BASE);
        return config;
    }

    /** @return the Hazelcast instance, for the runtime's cluster services only */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** @return the cluster's name */
    public String name() {
        return hazelcast.getConfig().getClusterName();
    }

    /** @return whether the member is running (false once it has been shut down or terminated) */
    public boolean isRunning() {
        return hazelcast.getLifecycleService().isRunning();
    }

    /** @return this member's {@code host:port}, what other nodes list in {@code cluster.members} */
    public String address() {
        return address(hazelcast.getCluster().getLocalMember());
    }

    /** @return every member of the cluster, oldest first */
    public List<MemberView> members() {
        Member local = hazelcast.getCluster().getLocalMember();
        return hazelcast.getCluster().getMembers().stream()
                .map(m -> new MemberView(address(m), m.getUuid().toString(), m.getUuid().equals(local.getUuid())))
                .toList();
    }

    private static String address(Member member) {
        return member.getAddress().getHost() + ":" + member.getAddress().getPort();
    }

    /**
     * One member as the admin API shows it.
     *
     * @param address  its {@code host:port}
     * @param uuid     its id for this run
     * @param thisNode whether it is the node answering
     */
    public record MemberView(String address, String uuid, boolean thisNode) {
    }

    /** Leaves the cluster gracefully: this member's partitions move to the others before it stops. */
    @Override
    public void close() {
        if (isRunning()) {
            hazelcast.shutdown();
        }
    }
}
