package io.portcullis.runtime.cluster;

import com.hazelcast.map.IMap;
import io.portcullis.api.context.Principal;
import io.portcullis.api.service.ApiKeys;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.SharedState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The cluster services across three real Hazelcast members on loopback: one state, one budget, one set of keys. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClusterServicesTest {

    private static final List<ClusterMember> MEMBERS = new ArrayList<>();

    record Counter(int count) {
    }

    @BeforeAll
    static void startThreeMembers() {
        MEMBERS.addAll(ClusterMembers.start(3));
    }

    @AfterAll
    static void stop() {
        MEMBERS.forEach(ClusterMember::close);
    }

    @Test
    void the_members_see_each_other() {
        for (ClusterMember member : MEMBERS) {
            assertThat(member.members()).hasSize(3);
            assertThat(member.members()).filteredOn(ClusterMember.MemberView::thisNode).singleElement()
                    .extracting(ClusterMember.MemberView::address).isEqualTo(member.address());
        }
    }

    @Test
    void a_limit_of_n_consumed_concurrently_round_robin_over_the_nodes_admits_exactly_n() throws Exception {
        List<RateLimiter> limiters = MEMBERS.stream().map(m -> (RateLimiter) new BucketRateLimiter(m.hazelcast())).toList();
        String key = "test:rpm:" + UUID.randomUUID();
        RateLimiter.Limit limit = RateLimiter.Limit.perMinute(20);
        AtomicInteger admitted = new AtomicInteger();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RateLimiter limiter = limiters.get(i % limiters.size());
            calls.add(() -> {
                if (limiter.tryConsume(key, 1, limit).allowed()) {
                    admitted.incrementAndGet();
                }
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
            for (Future<Void> call : pool.invokeAll(calls)) {
                call.get();
            }
        }
        assertThat(admitted).hasValue(20);
        RateLimiter.Decision refused = limiters.get(1).tryConsume(key, 1, limit);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        // 20 per minute refill one every three seconds.
        assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(refused.resetAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
    }

    /** @return a fresh bucket key whose bucket (with {@code limit}) lives on {@code owner}, not where it is asked from */
    private static String keyOwnedBy(ClusterMember owner, String prefix, RateLimiter.Limit limit) {
        while (true) {
            String key = prefix + UUID.randomUUID();
            if (owner.hazelcast().getPartitionService().getPartition(BucketRateLimiter.id(key, limit)).getOwner()
                    .localMember()) {
                return key;
            }
        }
    }

    @Test
    void several_buckets_on_other_members_are_taken_together_or_not_at_all() {
        RateLimiter limiter = new BucketRateLimiter(MEMBERS.get(0).hazelcast());
        RateLimiter other = new BucketRateLimiter(MEMBERS.get(2).hazelcast());
        RateLimiter.Limit requests = RateLimiter.Limit.perMinute(10);
        RateLimiter.Limit tokens = RateLimiter.Limit.perMinute(100);
        String requestsKey = keyOwnedBy(MEMBERS.get(1), "test:all:rpm:", requests);
        String tokensKey = keyOwnedBy(MEMBERS.get(2), "test:all:tpm:", tokens);

        RateLimiter.Decisions granted = limiter.tryConsumeAll(List.of(new RateLimiter.Take(requestsKey, 1, requests),
                new RateLimiter.Take(tokensKey, 70, tokens)));
        assertThat(granted.allowed()).isTrue();
        assertThat(granted.limiting()).isEmpty();
        assertThat(granted.get(0).remaining()).isEqualTo(9);
        assertThat(granted.get(1).remaining()).isBetween(30L, 31L);

        // The tokens are short: the request taken in the same call is given back before the call returns.
        RateLimiter.Decisions refused = limiter.tryConsumeAll(List.of(new RateLimiter.Take(requestsKey, 1, requests),
                new RateLimiter.Take(tokensKey, 70, tokens)));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.limiting()).contains(1);
        assertThat(refused.get(1).retryAfter()).isPositive();
        assertThat(refused.get(0).allowed()).isTrue();
        assertThat(refused.get(0).remaining()).isEqualTo(9);
        assertThat(other.adjust(requestsKey, 0, requests)).isEqualTo(9);
        assertThat(other.adjust(tokensKey, 0, tokens)).isBetween(30L, 31L);
    }

    @Test
    void all_or_nothing_checks_from_every_node_at_once_admit_exactly_what_the_tighter_budget_allows() throws Exception {
        List<RateLimiter> limiters = MEMBERS.stream().map(m -> (RateLimiter) new BucketRateLimiter(m.hazelcast())).toList();
        // Each call takes a request and 10 tokens: the requests allow 30, the tokens (95) only 9. The requests leave
        // room for every call in flight (12) on top of the admitted ones, so only the tokens ever refuse.
        RateLimiter.Limit requests = RateLimiter.Limit.perMinute(30);
        RateLimiter.Limit tokens = new RateLimiter.Limit(95, Duration.ofHours(1));
        String requestsKey = keyOwnedBy(MEMBERS.get(1), "test:exact:rpm:", requests);
        String tokensKey = keyOwnedBy(MEMBERS.get(2), "test:exact:tpm:", tokens);
        List<RateLimiter.Take> takes = List.of(new RateLimiter.Take(requestsKey, 1, requests),
                new RateLimiter.Take(tokensKey, 10, tokens));
        AtomicInteger admitted = new AtomicInteger();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RateLimiter limiter = limiters.get(i % limiters.size());
            calls.add(() -> {
                if (limiter.tryConsumeAll(takes).allowed()) {
                    admitted.incrementAndGet();
                }
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
            for (Future<Void> call : pool.invokeAll(calls)) {
                call.get();
            }
        }

        assertThat(admitted).hasValue(9);
        // Every refused call gave its request back: exactly the admitted ones are spent (give or take the refill of
        // a request every two seconds while the test ran).
        assertThat(limiters.get(0).adjust(requestsKey, 0, requests)).isBetween(30L - 9, 30L - 9 + 2);
        assertThat(limiters.get(1).adjust(tokensKey, 0, tokens)).isBetween(5L, 5L + 1);
    }

    @Test
    void a_correction_sent_without_waiting_reaches_the_bucket() throws Exception {
        RateLimiter a = new BucketRateLimiter(MEMBERS.get(0).hazelcast());
        RateLimiter.Limit limit = new RateLimiter.Limit(1000, Duration.ofHours(1));
        String key = keyOwnedBy(MEMBERS.get(1), "test:later:", limit);
        assertThat(a.tryConsume(key, 600, limit).allowed()).isTrue();

        assertThat(a.adjustLater(key, 300, limit).toCompletableFuture().get()).isEqualTo(100L);
        assertThat(a.adjustLater(key, -150, limit).toCompletableFuture().get()).isEqualTo(250L);
        assertThat(new BucketRateLimiter(MEMBERS.get(2).hazelcast()).adjust(key, 0, limit)).isEqualTo(250L);
    }

    @Test
    void tokens_are_taken_by_amount_and_adjusted_afterwards() {
        RateLimiter a = new BucketRateLimiter(MEMBERS.get(0).hazelcast());
        RateLimiter b = new BucketRateLimiter(MEMBERS.get(2).hazelcast());
        String key = "test:tpm:" + UUID.randomUUID();
        RateLimiter.Limit limit = RateLimiter.Limit.perMinute(1000);

        RateLimiter.Decision first = a.tryConsume(key, 600, limit);
        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).isBetween(400L, 401L);
        assertThat(b.tryConsume(key, 600, limit).allowed()).isFalse();

        // The call used 900 tokens, not the 600 estimated: the bucket goes into debt.
        assertThat(b.adjust(key, 300, limit)).isBetween(100L, 101L);
        assertThat(a.adjust(key, 500, limit)).isBetween(-400L, -398L);
        assertThat(b.tryConsume(key, 1, limit).allowed()).isFalse();
        // Giving back never fills the bucket beyond its capacity.
        assertThat(a.adjust(key, -5000, limit)).isEqualTo(1000L);
    }

    @Test
    void a_changed_limit_is_a_fresh_bucket() {
        RateLimiter limiter = new BucketRateLimiter(MEMBERS.get(1).hazelcast());
        String key = "test:changed:" + UUID.randomUUID();
        assertThat(limiter.tryConsume(key, 2, RateLimiter.Limit.perMinute(2)).allowed()).isTrue();
        assertThat(limiter.tryConsume(key, 1, RateLimiter.Limit.perMinute(2)).allowed()).isFalse();
        assertThat(limiter.tryConsume(key, 1, RateLimiter.Limit.perMinute(3)).allowed()).isTrue();
    }

    @Test
    void concurrent_updates_from_every_node_lose_none() throws Exception {
        String name = "test.counters-" + UUID.randomUUID();
        List<SharedState.SharedMap<Counter>> maps = MEMBERS.stream()
                .map(m -> new HazelcastSharedState(m.hazelcast()).map(name, Counter.class)).toList();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            SharedState.SharedMap<Counter> map = maps.get(i % maps.size());
            calls.add(() -> {
                map.update("hits", c -> new Counter(c == null ? 1 : c.count() + 1), null);
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(9)) {
            for (Future<Void> call : pool.invokeAll(calls)) {
                call.get();
            }
        }
        assertThat(maps.get(2).get("hits")).contains(new Counter(90));
    }

    @Test
    void shared_maps_store_json_values_with_put_if_absent_remove_and_ttl() {
        String name = "test.values-" + UUID.randomUUID();
        SharedState.SharedMap<Counter> a = new HazelcastSharedState(MEMBERS.get(0).hazelcast()).map(name, Counter.class);
        SharedState.SharedMap<Counter> c = new HazelcastSharedState(MEMBERS.get(2).hazelcast()).map(name, Counter.class);

        a.put("k", new Counter(1), null);
        assertThat(c.get("k")).contains(new Counter(1));
        assertThat(c.putIfAbsent("k", new Counter(2), null)).contains(new Counter(1));
        assertThat(c.putIfAbsent("other", new Counter(3), null)).isEmpty();
        assertThat(a.get("other")).contains(new Counter(3));
        assertThat(a.remove("k")).contains(new Counter(1));
        assertThat(c.get("k")).isEmpty();
        // An update that returns null removes the entry.
        assertThat(c.update("other", v -> null, null)).isNull();
        assertThat(a.get("other")).isEmpty();

        // Every write sets the entry's time-to-live, the atomic update included.
        IMap<String, String> raw = MEMBERS.get(1).hazelcast().getMap(HazelcastSharedState.PREFIX + name);
        c.update("session", v -> new Counter(5), Duration.ofHours(1));
        assertThat(raw.getEntryView("session").getTtl()).isEqualTo(Duration.ofHours(1).toMillis());
        a.update("session", v -> new Counter(v.count() + 1), Duration.ofMinutes(2));
        assertThat(raw.getEntryView("session").getTtl()).isEqualTo(Duration.ofMinutes(2).toMillis());
        assertThat(raw.get("session")).isEqualTo("{\"count\":6}");

        a.put("short-lived", new Counter(4), Duration.ofMillis(200));
        c.update("short-lived-too", v -> new Counter(5), Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> c.get("short-lived").isEmpty()
                && a.get("short-lived-too").isEmpty());
    }

    @Test
    void a_key_created_on_one_node_is_found_on_another_at_once_and_revocation_reaches_every_node() {
        ClusterApiKeys a = new ClusterApiKeys(MEMBERS.get(0).hazelcast());
        ClusterApiKeys b = new ClusterApiKeys(MEMBERS.get(1).hazelcast());
        ClusterApiKeys c = new ClusterApiKeys(MEMBERS.get(2).hazelcast());
        Instant expiry = Instant.parse("2099-01-01T00:00:00Z");

        ClusterApiKeys.Created created = a.create("ci", "team-a", Set.of("mock"),
                new Principal.Limits(60L, 10_000L), expiry);
        assertThat(created.secret()).startsWith("sk-pc-").hasSizeGreaterThan(30);

        ApiKeys.ApiKey found = c.find(created.secret()).orElseThrow();
        assertThat(found).isEqualTo(created.key());
        assertThat(found.principal().mayUse("mock")).isTrue();
        assertThat(found.principal().mayUse("gpt-4o")).isFalse();
        assertThat(found.limits()).isEqualTo(new Principal.Limits(60L, 10_000L));
        assertThat(found.expiresAt()).isEqualTo(expiry);
        assertThat(c.find(created.secret() + "x")).isEmpty();
        assertThat(b.list()).extracting(ApiKeys.ApiKey::id).contains(created.key().id());
        // Only the hash is stored: no value or key of the map contains the secret.
        assertThat(MEMBERS.get(1).hazelcast().<String, String>getMap(ClusterApiKeys.MAP).entrySet())
                .allSatisfy(e -> assertThat(e.getKey() + e.getValue()).doesNotContain(created.secret()));

        assertThat(b.revoke(created.key().id())).isTrue();
        assertThat(b.revoke(created.key().id())).isFalse();
        await().atMost(Duration.ofSeconds(1)).until(() -> a.find(created.secret()).isEmpty()
                && c.find(created.secret()).isEmpty());
        assertThat(c.list()).extracting(ApiKeys.ApiKey::id).doesNotContain(created.key().id());
    }
}
