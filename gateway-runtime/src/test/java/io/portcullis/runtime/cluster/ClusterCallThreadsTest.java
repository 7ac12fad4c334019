package io.portcullis.runtime.cluster;

import com.hazelcast.internal.serialization.impl.AbstractSerializationService;
import com.hazelcast.internal.serialization.impl.bufferpool.BufferPoolThreadLocal;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.portcullis.api.service.RateLimiter;
import io.portcullis.api.service.SharedState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster services' calls run on reused threads: Hazelcast keeps a serialization buffer pool per calling
 * thread until that thread has been collected, so a new thread per call (each request on its own virtual thread) piled
 * up pools that every young collection had to copy, the p99 tail of docs/performance.md.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ClusterCallThreadsTest {

    private static final int REQUESTS = 2_000;

    private static ClusterMember member;

    @BeforeAll
    static void startOneMember() {
        member = ClusterMembers.start(1).getFirst();
    }

    @AfterAll
    static void stop() {
        member.close();
    }

    @Test
    void calls_from_a_new_virtual_thread_each_leave_no_hazelcast_buffer_pool_per_thread() throws Exception {
        RateLimiter limiter = new BucketRateLimiter(member.hazelcast());
        RateLimiter.Limit limit = RateLimiter.Limit.perMinute(1_000_000);
        String key = "test:threads:" + UUID.randomUUID();
        int poolsBefore = bufferPools().size();

        // As the gateway calls it: every request on a virtual thread of its own, a check of two buckets, a correction.
        List<Future<Boolean>> requests = new ArrayList<>();
        try (ExecutorService perRequest = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                requests.add(perRequest.submit(() -> {
                    boolean allowed = limiter.tryConsumeAll(List.of(new RateLimiter.Take(key + ":r", 1, limit),
                            new RateLimiter.Take(key + ":t", 10, limit))).allowed();
                    limiter.adjustLater(key + ":t", -5, limit).toCompletableFuture().join();
                    return allowed;
                }));
            }
            for (Future<Boolean> request : requests) {
                assertThat(request.get()).isTrue();
            }
        }

        // One pool per thread that ever called: at most the limiter's threads, not one per request
        // (and a few of Hazelcast's own threads, which serialise their first answers)
        assertThat(bufferPools().size() - poolsBefore).isLessThanOrEqualTo(ClusterCallThreads.THREADS + 32);
    }

    @Test
    void key_lookups_and_shared_state_from_a_new_virtual_thread_each_leave_no_buffer_pool_per_thread() throws Exception {
        ClusterApiKeys keys = new ClusterApiKeys(member.hazelcast());
        String secret = keys.create("threads", null, null, null, null).secret();
        SharedState.SharedMap<String> shared = new HazelcastSharedState(member.hazelcast())
                .map("test.threads." + UUID.randomUUID(), String.class);
        int poolsBefore = bufferPools().size();

        List<Future<Boolean>> requests = new ArrayList<>();
        try (ExecutorService perRequest = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                String key = "k" + (i % 16);
                requests.add(perRequest.submit(() -> {
                    shared.put(key, "v", null);
                    shared.update(key, value -> value + "w", null);
                    return keys.find(secret).isPresent() && shared.get(key).isPresent();
                }));
            }
            for (Future<Boolean> request : requests) {
                assertThat(request.get()).isTrue();
            }
        }

        // Each service has its own call threads.
        assertThat(bufferPools().size() - poolsBefore).isLessThanOrEqualTo(2 * ClusterCallThreads.THREADS + 32);
    }

    @Test
    void a_call_runs_on_one_of_a_bounded_set_of_threads_whoever_makes_it() throws Exception {
        ClusterCallThreads calls = new ClusterCallThreads("test-calls");
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Thread>> made = new ArrayList<>();
            for (int i = 0; i < 10 * ClusterCallThreads.THREADS; i++) {
                made.add(callers.submit(() -> calls.call(Thread::currentThread)));
            }
            for (Future<Thread> call : made) {
                ran.add(call.get());
            }
        }
        assertThat(ran).hasSizeLessThanOrEqualTo(ClusterCallThreads.THREADS).allMatch(Thread::isVirtual);
        assertThat(calls.size()).isLessThanOrEqualTo(ClusterCallThreads.THREADS);
    }

    /** Hazelcast's own record of the buffer pools it keeps, one per thread that has serialised something. */
    private static Map<?, ?> bufferPools() throws ReflectiveOperationException {
        var serialization = (AbstractSerializationService)
                ((SerializationServiceSupport) member.hazelcast()).getSerializationService();
        Field threadLocal = AbstractSerializationService.class.getDeclaredField("bufferPoolThreadLocal");
        threadLocal.setAccessible(true);
        Field strongReferences = BufferPoolThreadLocal.class.getDeclaredField("strongReferences");
        strongReferences.setAccessible(true);
        return (Map<?, ?>) strongReferences.get(threadLocal.get(serialization));
    }
}
