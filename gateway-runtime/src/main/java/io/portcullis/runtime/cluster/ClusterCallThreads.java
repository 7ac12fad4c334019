package io.portcullis.runtime.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that make the runtime's per-request calls into Hazelcast: a bounded set of long-lived virtual threads,
 * never a new thread per call.
 *
 * <p>Why: Hazelcast keeps a serialization buffer pool per calling thread ({@code BufferPoolThreadLocal}), held
 * strongly in a map keyed weakly by the {@link Thread} and purged only after the thread has been collected. A fresh
 * virtual thread per call (Jetty's request threads, a thread-per-task executor) leaves one pool of about 4 KB behind
 * per call; every young collection then has to copy all the pools made since the last one, and promotes them. With
 * {@code [auth, rate-limit]} at 8,000 requests/s that was 0.2–0.3 s young-generation pauses and an old generation
 * growing by 100 MB a collection: the p99 of 80 ms to 0.6 s measured in docs/performance.md. Reused threads keep one
 * pool each.
 */
final class ClusterCallThreads implements Executor {

    /**
     * Enough for the calls in flight at once, each blocked for one round trip to a bucket's owner; calls beyond it
     * queue. A parked virtual thread and its buffer pool cost a few KB.
     */
    static final int THREADS = 256;
    /** Idle threads end after this, so that a quiet gateway (or a test's discarded limiter) keeps none. */
    private static final Duration KEEP_IDLE = Duration.ofSeconds(30);

    private final ThreadPoolExecutor threads;

    ClusterCallThreads(String name) {
        threads = new ThreadPoolExecutor(THREADS, THREADS, KEEP_IDLE.toMillis(), TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), Thread.ofVirtual().name(name + "-", 0).factory());
        threads.allowCoreThreadTimeOut(true);
    }

    @Override
    public void execute(Runnable call) {
        threads.execute(call);
    }

    /** Starts a call on one of the threads. */
    <T> Future<T> submit(Callable<T> call) {
        return threads.submit(call);
    }

    /** Makes a call on one of the threads and waits for it, failing as the call did. */
    <T> T call(Callable<T> call) {
        return await(submit(call));
    }

    /** Waits for a call, failing as the synchronous calls do (unchecked, with the cluster's own cause). */
    static <T> T await(Future<T> answer) {
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException("cluster call failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    /** @return how many threads exist now (for tests: calls reuse them) */
    int size() {
        return threads.getPoolSize();
    }
}
