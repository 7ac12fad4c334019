package io.portcullis.api.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Token buckets shared by every node of the cluster: a key limited to N per minute is admitted N times per minute in
 * total, whichever nodes the requests land on, and keeps its state when a node dies.
 *
 * <p>A bucket is identified by its key and its limit together: changing a caller's limit starts a fresh bucket.
 * Buckets refill gradually ({@code capacity} per {@code period}, spread evenly), as OpenAI's limits do.
 *
 * <pre>{@code
 * Decision d = rateLimiter.tryConsume("rpm:key:" + principal.id(), 1, new Limit(600, Duration.ofMinutes(1)));
 * if (!d.allowed()) throw new GatewayException(ErrorCode.RATE_LIMITED, ...Retry-After: d.retryAfter()...);
 * }</pre>
 */
public interface RateLimiter {

    /**
     * Takes {@code amount} from the bucket if it holds that much.
     *
     * @param key    the bucket's key; name it after the plugin and what it counts
     * @param amount how much to take (1 for a request, the estimated tokens for a prompt), at least 1
     * @param limit  the bucket's capacity and refill period
     * @return whether it was taken, what is left, and when to retry if it was not
     */
    Decision tryConsume(String key, long amount, Limit limit);

    /**
     * Corrects a bucket after the fact, whatever it holds: a positive {@code delta} takes more (the bucket may go
     * into debt, which later requests wait out), a negative one gives back (never above capacity). This is how an
     * estimate made before a call is reconciled with the real usage after it.
     *
     * @return what the bucket holds afterwards (negative while in debt)
     */
    long adjust(String key, long delta, Limit limit);

    /**
     * Takes from several buckets at once, all or nothing: either every {@link Take} is taken, or none is (what was
     * taken before one was refused is given back before this returns). This is how a request and its estimated tokens
     * are checked together: a cluster implementation asks every bucket in parallel, so the check costs one network
     * round trip however many buckets there are.
     *
     * <pre>{@code
     * // GOOD: one call, one round trip, nothing left taken when the tokens are refused
     * Decisions d = rateLimiter.tryConsumeAll(List.of(new Take(rpmKey, 1, rpm), new Take(tpmKey, estimate, tpm)));
     * // BAD: two round trips one after the other, and a refused second take leaves the first one consumed
     * rateLimiter.tryConsume(rpmKey, 1, rpm); rateLimiter.tryConsume(tpmKey, estimate, tpm);
     * }</pre>
     *
     * <p>The default takes one bucket after the other and gives back on refusal; implementations that talk to a
     * cluster override it.
     *
     * @param takes the buckets and amounts, each key at most once
     * @return one {@link Decision} per take, in the same order, and which one refused, if any
     */
    default Decisions tryConsumeAll(List<Take> takes) {
        List<Decision> decisions = new ArrayList<>(takes.size());
        for (Take take : takes) {
            // Every bucket is asked, even after a refusal, so that each decision describes its bucket.
            decisions.add(tryConsume(take.key(), take.amount(), take.limit()));
        }
        return Decisions.settle(takes, decisions, take -> adjust(take.key(), -take.amount(), take.limit()));
    }

    /**
     * {@link #adjust} without waiting for it: the correction made after an answer, which must not delay the answer.
     * The default adjusts at once and reports a failure in the returned stage instead of throwing; cluster
     * implementations send the correction and return.
     *
     * @param key   the bucket's key
     * @param delta as for {@link #adjust}
     * @param limit the bucket's capacity and refill period
     * @return what the bucket holds afterwards, when known; a failed correction completes exceptionally and is
     *         otherwise only logged, since a slightly wrong bucket is better than a failed request
     */
    default CompletionStage<Long> adjustLater(String key, long delta, Limit limit) {
        try {
            return CompletableFuture.completedFuture(adjust(key, delta, limit));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * One bucket and the amount to take from it, for {@link #tryConsumeAll}.
     *
     * @param key    the bucket's key, as for {@link #tryConsume}
     * @param amount how much to take, at least 1
     * @param limit  the bucket's capacity and refill period
     */
    record Take(String key, long amount, Limit limit) {
        public Take {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("key: expected a bucket's name, got " + key);
            }
            if (amount < 1) {
                throw new IllegalArgumentException("amount: expected at least 1, got " + amount);
            }
            Objects.requireNonNull(limit, "limit");
        }
    }

    /**
     * The outcome of {@link #tryConsumeAll}: one decision per take, in order. When one take was refused, nothing was
     * consumed: the refused take's decision says why and when to retry, and a take that had been granted before the
     * refusal reports the bucket as it is after the give-back, with {@code allowed} still true (it was not the limit).
     *
     * @param each one decision per take, in the order of the takes
     */
    record Decisions(List<Decision> each) {
        public Decisions {
            each = List.copyOf(each);
        }

        /** @return whether every take was taken */
        public boolean allowed() {
            return limiting().isEmpty();
        }

        /** @return the index of the first refused take, the one that limits the request, if any */
        public Optional<Integer> limiting() {
            for (int i = 0; i < each.size(); i++) {
                if (!each.get(i).allowed()) {
                    return Optional.of(i);
                }
            }
            return Optional.empty();
        }

        /** @return the decision for the {@code i}-th take */
        public Decision get(int i) {
            return each.get(i);
        }

        /**
         * Settles the decisions of a {@link #tryConsumeAll}: when one take was refused, gives back every granted take
         * and reports those buckets as they are after the give-back. For implementations of {@link #tryConsumeAll}.
         *
         * @param takes     the takes, in order
         * @param decisions one decision per take, in the same order
         * @param giveBack  gives a granted take back
         * @return the decisions to answer with
         */
        public static Decisions settle(List<Take> takes, List<Decision> decisions, Consumer<Take> giveBack) {
            if (takes.size() != decisions.size()) {
                throw new IllegalArgumentException("expected one decision per take: " + takes.size() + " takes, "
                        + decisions.size() + " decisions");
            }
            if (decisions.stream().allMatch(Decision::allowed)) {
                return new Decisions(decisions);
            }
            List<Decision> settled = new ArrayList<>(takes.size());
            for (int i = 0; i < takes.size(); i++) {
                Decision decision = decisions.get(i);
                Take take = takes.get(i);
                if (decision.allowed()) {
                    giveBack.accept(take);
                    long after = Math.min(take.limit().capacity(), decision.remaining() + take.amount());
                    settled.add(new Decision(true, after, Duration.ZERO, decision.resetAfter()));
                } else {
                    settled.add(decision);
                }
            }
            return new Decisions(settled);
        }
    }

    /**
     * A bucket's size and refill.
     *
     * @param capacity how much the bucket holds when full, and how much it refills per period
     * @param period   the refill period
     */
    record Limit(long capacity, Duration period) {
        public Limit {
            if (capacity <= 0) {
                throw new IllegalArgumentException("capacity: expected a positive number, got " + capacity);
            }
            Objects.requireNonNull(period, "period");
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period: expected a positive duration, got " + period);
            }
        }

        /** @return {@code n} per minute */
        public static Limit perMinute(long n) {
            return new Limit(n, Duration.ofMinutes(1));
        }
    }

    /**
     * The outcome of {@link #tryConsume}.
     *
     * @param allowed    whether the amount was taken
     * @param remaining  what the bucket holds now (after taking, when allowed)
     * @param retryAfter when refused, how long until the amount will be there; {@link Duration#ZERO} when allowed
     * @param resetAfter how long until the bucket is full again
     */
    record Decision(boolean allowed, long remaining, Duration retryAfter, Duration resetAfter) {
    }
}
