package io.portcullis.runtime.cluster;

import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.SharedState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A member dies abruptly ({@code terminate()}: no goodbye, no handing over of partitions) and the survivors still
 * hold every bucket, key and shared value, the dead member's own partitions included, from their backups.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MemberLossTest {

    /** Enough keys that every member owns some of them, the one that dies included. */
    private static final int KEYS = 40;
    private static final RateLimiter.Limit HOURLY = new RateLimiter.Limit(3, Duration.ofHours(1));

    private final List<ClusterMember> members = new ArrayList<>(ClusterMembers.start(3));

    record Note(String text) {
    }

    @AfterEach
    void stop() {
        members.forEach(ClusterMember::close);
    }

    @Test
    void buckets_keys_and_shared_values_survive_a_member_s_abrupt_death() {
        ClusterMember victim = members.get(0);
        RateLimiter onVictim = new BucketRateLimiter(victim.hazelcast());
        ClusterApiKeys keysOnVictim = new ClusterApiKeys(victim.hazelcast());
        SharedState.SharedMap<Note> notesOnVictim = new HazelcastSharedState(victim.hazelcast())
                .map("test.notes", Note.class);

        String prefix = "test:loss:" + UUID.randomUUID() + ":";
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            assertThat(onVictim.tryConsume(prefix + i, 3, HOURLY).allowed()).isTrue();
            secrets.add(keysOnVictim.create("key " + i, null, null, null, null).secret());
            notesOnVictim.put("note-" + i, new Note("n" + i), null);
        }
        assertThat(victim.hazelcast().getPartitionService().getPartitions())
                .anyMatch(p -> victim.hazelcast().getCluster().getLocalMember().equals(p.getOwner()));

        victim.hazelcast().getLifecycleService().terminate();
        members.remove(victim);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> members.stream().allMatch(m -> m.members().size() == 2));

        for (ClusterMember survivor : members) {
            RateLimiter limiter = new BucketRateLimiter(survivor.hazelcast());
            ClusterApiKeys keys = new ClusterApiKeys(survivor.hazelcast());
            SharedState.SharedMap<Note> notes = new HazelcastSharedState(survivor.hazelcast())
                    .map("test.notes", Note.class);
            for (int i = 0; i < KEYS; i++) {
                // An emptied bucket that had been lost would come back full and admit this request.
                assertThat(limiter.tryConsume(prefix + i, 1, HOURLY).allowed()).as("bucket %d", i).isFalse();
                assertThat(keys.find(secrets.get(i))).as("key %d", i).isPresent();
                assertThat(notes.get("note-" + i)).contains(new Note("n" + i));
            }
            assertThat(keys.list()).hasSize(KEYS);
        }
    }
}
