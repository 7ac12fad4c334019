package io.portcullis.runtime.routing;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.GatewayRequest;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.model.Usage;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.pipeline.Terminal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The terminal stage of every pipeline: maps the public model name to its targets, ordered by the model's strategy,
 * then its {@code fallbacks}' targets, and calls them in turn until one answers.
 *
 * <ul>
 *   <li>A 429, a 5xx, a timeout or a refused or broken connection moves on; any other error goes to the client as
 *       it is. A target that failed so is tried again first ({@code routing.retries}, exponential backoff with
 *       jitter, or the upstream's {@code Retry-After} up to {@code routing.maxRetryAfterMs}) — except after a
 *       timeout, since a target that went silent once is likely to again and the deadline is shared.</li>
 *   <li>A content-filter refusal ({@code finish_reason: content_filter}) moves on too, while another target is left;
 *       the last one's refusal is the answer.</li>
 *   <li>Each target has a {@link CircuitBreaker}: an open one is skipped without a call.</li>
 *   <li>The exchange's deadline bounds all attempts and waits together: once it has passed, or leaves no time for
 *       the next wait, the answer is a 504.</li>
 *   <li>A stream is read ahead to its first chunk with content (or its end) before it is handed on, so that a
 *       failure before that point can still fall back; after it, nothing can.</li>
 * </ul>
 *
 * The reply names the public model and carries {@code x-portcullis-provider}, and for a whole answer with a priced
 * model {@code x-portcullis-cost}; every attempt and the cost go to the {@link RequestRecord}.
 */
public final class ModelRouter implements Terminal {

    /** The response header that names the provider that answered. */
    public static final String PROVIDER_HEADER = "x-portcullis-provider";
    /** The response header with what the request cost in US dollars (whole answers of priced models only). */
    public static final String COST_HEADER = "x-portcullis-cost";
    /** The finish reason of an answer a provider's content filter withheld. */
    static final String CONTENT_FILTER = "content_filter";
    /** How many chunks without content a stream may start with before it is handed on anyway. */
    private static final int READ_AHEAD_LIMIT = 16;

    private static final Logger log = LoggerFactory.getLogger(ModelRouter.class);

    private final Map<String, Model> models = new LinkedHashMap<>();
    private final ProviderRegistry providers;
    private final PriceTable prices;
    private final RetryPolicy retryPolicy;
    private final GatewayConfig.RoutingConfig routing;
    private final Map<String, TargetHealth> health = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final Pause pause;
    private final RandomGenerator random;
    private final long createdEpochSeconds = Instant.now().getEpochSecond();

    /** Waits between two attempts; tests make the time pass without waiting. */
    @FunctionalInterface
    interface Pause {
        void sleep(Duration duration) throws InterruptedException;
    }

    private record Model(GatewayConfig.ModelEntry entry, Strategy strategy, AtomicLong turns) {
    }

    /**
     * The router of a configuration: its {@code models}, {@code routing} and {@code prices} sections.
     *
     * @param config    the configuration
     * @param providers the active providers
     */
    public ModelRouter(GatewayConfig config, ProviderRegistry providers) {
        this(config, providers, InstantSource.system(), Thread::sleep, null);
    }

    /** @param random the weighted pick's and the jitter's source; {@code null} for the calling thread's own */
    ModelRouter(GatewayConfig config, ProviderRegistry providers, InstantSource clock, Pause pause,
                RandomGenerator random) {
        config.models().forEach(entry -> models.put(entry.name(),
                new Model(entry, Strategy.of(entry.strategy()), new AtomicLong())));
        this.providers = providers;
        this.prices = new PriceTable(config.prices());
        this.routing = config.routing();
        this.retryPolicy = RetryPolicy.of(routing);
        this.clock = clock;
        this.pause = pause;
        this.random = random;
    }

    /** @return the public models that have at least one active target, as {@code GET /v1/models} lists them */
    public List<ModelInfo> availableModels() {
        return models.values().stream().map(Model::entry)
                .filter(model -> model.targets().stream().anyMatch(t -> providers.get(t.provider()) != null))
                .map(model -> ModelInfo.of(model.name(), createdEpochSeconds, "portcullis"))
                .toList();
    }

    @Override
    public Reply answer(Exchange exchange) {
        GatewayRequest request = exchange.request();
        Model model = models.get(request.model());
        if (model == null) {
            throw new GatewayException(ErrorCode.NOT_FOUND, 404, "The model '" + request.model()
                    + "' does not exist on this gateway; GET /v1/models lists the available models.", "model",
                    Map.of(), null);
        }
        List<Candidate> candidates = candidates(model);
        if (candidates.isEmpty()) {
            String reason = model.entry().targets().stream().map(t -> providers.whyUnavailable(t.provider()))
                    .filter(Objects::nonNull).findFirst().orElse("no provider is active");
            throw new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "The model '" + model.entry().name()
                    + "' is not available: " + reason + ".");
        }
        RequestRecord record = exchange.get(RequestRecord.KEY).orElseGet(RequestRecord::new);
        record.madeFor(exchange.principal().id());
        return new Attempts(exchange, record, candidates).run();
    }

    /** One request's way through its candidates. */
    private final class Attempts {
        private final Exchange exchange;
        private final RequestRecord record;
        private final List<Candidate> candidates;
        private final Instant deadline;
        private GatewayException lastFailure;
        /** A content-filtered answer, kept in case no other target answers better. */
        private Reply refused;
        private Candidate refusedBy;
        private boolean deadlineCutShort;
        private int calls;

        Attempts(Exchange exchange, RequestRecord record, List<Candidate> candidates) {
            this.exchange = exchange;
            this.record = record;
            this.candidates = candidates;
            this.deadline = exchange.deadline();
        }

        Reply run() {
            for (int i = 0; i < candidates.size(); i++) {
                Candidate candidate = candidates.get(i);
                boolean last = i == candidates.size() - 1;
                deadlineCutShort = false;
                Reply reply = tryCandidate(candidate, last);
                if (reply != null) {
                    discardRefused();
                    return finish(reply, candidate);
                }
                if (!last) {
                    log.info("Request {}: {} did not answer ({}); trying {}", exchange.requestId(),
                            candidate.label(), record.attempts().getLast(), candidates.get(i + 1).label());
                }
            }
            if (refused != null) {
                return finish(refused, refusedBy);
            }
            if (deadlineCutShort || lastFailure != null && deadlinePassed()) {
                throw deadlineExceeded();
            }
            if (lastFailure == null) {
                throw allOpen();
            }
            throw lastFailure;
        }

        /** @return the candidate's answer, or {@code null} when it failed (or refused) and the next one is due */
        private Reply tryCandidate(Candidate candidate, boolean last) {
            CircuitBreaker breaker = candidate.health().breaker();
            for (int retry = 0; ; retry++) {
                if (deadlinePassed()) {
                    throw deadlineExceeded();
                }
                if (!breaker.tryAcquire()) {
                    if (retry == 0) {
                        record.attempt(candidate.label(), "circuit_open", 0, Duration.ZERO);
                    }
                    return null;
                }
                long started = System.nanoTime();
                calls++;
                Reply reply;
                try {
                    reply = call(candidate, exchange.request(), new CallContext(exchange.requestId(), deadline));
                } catch (GatewayException e) {
                    Duration latency = since(started);
                    boolean retryable = retryable(e);
                    if (e.code() == ErrorCode.UPSTREAM_TIMEOUT && deadlinePassed()) {
                        // The request's own deadline ran out (a client may ask for very little time): that says
                        // nothing about the target's health.
                        breaker.onAbandoned();
                    } else if (retryable) {
                        breaker.onFailure();
                    } else {
                        breaker.onSuccess(); // the target answered: the request is at fault, not the target
                    }
                    record.attempt(candidate.label(), outcome(e), e.status(), latency);
                    if (!retryable) {
                        discardRefused();
                        throw e;
                    }
                    lastFailure = e;
                    if (e.code() == ErrorCode.UPSTREAM_TIMEOUT) {
                        return null;
                    }
                    Optional<Duration> wait = retryPolicy.delay(retry,
                            RetryPolicy.retryAfter(e.headers(), clock.instant()), random());
                    if (wait.isEmpty()) {
                        return null;
                    }
                    if (deadline != null && clock.instant().plus(wait.get()).isAfter(deadline)) {
                        deadlineCutShort = true;
                        return null;
                    }
                    sleep(wait.get());
                    continue;
                } catch (RuntimeException | Error e) {
                    // A provider's bug: the breaker hears of it (a half-open one must not wait for ever), the client
                    // gets the runtime's 500.
                    breaker.onFailure();
                    record.attempt(candidate.label(), "error", 500, since(started));
                    discardRefused();
                    throw e;
                }
                Duration latency = since(started);
                breaker.onSuccess();
                noteCost(reply, candidate);
                if (contentFiltered(reply)) {
                    record.attempt(candidate.label(), CONTENT_FILTER, 200, latency);
                    if (!last) {
                        discardRefused();
                        refused = reply;
                        refusedBy = candidate;
                        return null;
                    }
                } else {
                    record.attempt(candidate.label(), "ok", 200, latency);
                }
                candidate.health().answeredIn(latency);
                return reply;
            }
        }

        private Reply finish(Reply reply, Candidate candidate) {
            record.answeredBy(candidate.providerId());
            Reply named = reply.withHeader(PROVIDER_HEADER, candidate.providerId());
            if (!(reply instanceof Reply.Streaming) && record.costUsd() != null) {
                named = named.withHeader(COST_HEADER, PriceTable.format(record.costUsd()));
            }
            return named;
        }

        /** Adds a whole answer's cost now; a stream's is added when its usage chunk passes. */
        private void noteCost(Reply reply, Candidate candidate) {
            Usage usage = switch (reply) {
                case Reply.Complete complete -> complete.response().usage();
                case Reply.Embeddings embeddings -> embeddings.response().usage();
                case Reply.Streaming streaming -> null;
            };
            Double cost = PriceTable.cost(candidate.price(), usage);
            if (cost != null) {
                record.addCost(cost);
            }
        }

        private Reply call(Candidate candidate, GatewayRequest request, CallContext call) {
            Provider provider = candidate.provider();
            String publicName = request.model();
            return switch (request) {
                case ChatRequest chat when chat.isStreaming() -> new Reply.Streaming(readAhead(
                        provider.stream(chat.withModel(candidate.upstreamModel()), call), publicName, candidate));
                case ChatRequest chat -> new Reply.Complete(
                        provider.chat(chat.withModel(candidate.upstreamModel()), call).withModel(publicName));
                case EmbeddingRequest embedding -> new Reply.Embeddings(
                        provider.embed(embedding.withModel(candidate.upstreamModel()), call).withModel(publicName));
            };
        }

        /**
         * Reads a stream up to its first chunk with content, a tool call, a finish reason or usage (or its end), so
         * that a failure before any of that can still fall back: nothing has gone to the client yet.
         */
        private RoutedStream readAhead(ChunkStream upstream, String publicName, Candidate candidate) {
            List<ChatChunk> ahead = new ArrayList<>();
            boolean ended = false;
            try {
                while (true) {
                    Optional<ChatChunk> next = upstream.next();
                    if (next.isEmpty()) {
                        ended = true;
                        break;
                    }
                    ahead.add(next.get());
                    if (substantial(next.get()) || ahead.size() >= READ_AHEAD_LIMIT) {
                        break;
                    }
                }
            } catch (RuntimeException | Error e) {
                upstream.close();
                throw e;
            }
            return new RoutedStream(upstream, ahead, ended, publicName, usage -> {
                Double cost = PriceTable.cost(candidate.price(), usage);
                if (cost != null) {
                    record.addCost(cost);
                }
            });
        }

        private void discardRefused() {
            if (refused instanceof Reply.Streaming streaming) {
                streaming.chunks().close();
            }
            refused = null;
        }

        private boolean deadlinePassed() {
            return deadline != null && !clock.instant().isBefore(deadline);
        }

        private GatewayException deadlineExceeded() {
            discardRefused();
            String last = lastFailure == null ? "" : "; the last failure: " + lastFailure.getMessage();
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "The request's deadline passed before a "
                    + "target of model '" + exchange.request().model() + "' answered (" + calls + " attempt"
                    + (calls == 1 ? "" : "s") + last + "). Ask for more time with x-portcullis-timeout-ms, within "
                    + "server.requestTimeoutMs.", lastFailure);
        }

        private GatewayException allOpen() {
            Duration soonest = candidates.stream().map(c -> c.health().breaker().untilProbe())
                    .min(Duration::compareTo).orElse(Duration.ZERO);
            long seconds = Math.max(1, (soonest.toMillis() + 999) / 1000);
            return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, 503, "Every target of model '"
                    + exchange.request().model() + "' has been failing and is resting (circuit open); try again in "
                    + seconds + " s.", null, Map.of("Retry-After", Long.toString(seconds)), null);
        }
    }

    private static boolean contentFiltered(Reply reply) {
        return switch (reply) {
            case Reply.Complete complete -> complete.response().choices().stream()
                    .anyMatch(choice -> CONTENT_FILTER.equals(choice.finishReason()));
            case Reply.Streaming streaming -> streaming.chunks() instanceof RoutedStream routed
                    && routed.finishedAhead(CONTENT_FILTER);
            case Reply.Embeddings embeddings -> false;
        };
    }

    private static boolean substantial(ChatChunk chunk) {
        if (chunk.usage() != null) {
            return true;
        }
        for (ChatChunk.Choice choice : chunk.choices()) {
            if (choice.finishReason() != null || choice.delta() != null && (choice.delta().toolCalls() != null
                    || choice.delta().content() != null && !choice.delta().content().isEmpty())) {
                return true;
            }
        }
        return false;
    }

    /** 429, and every 5xx but the gateway's own failures (a provider's bug is not the upstream's). */
    private static boolean retryable(GatewayException e) {
        return e.status() == 429 || e.status() >= 500 && e.code() != ErrorCode.INTERNAL;
    }

    private static String outcome(GatewayException e) {
        if (e.status() == 429) {
            return "rate_limited";
        }
        return switch (e.code()) {
            case UPSTREAM_TIMEOUT -> "timeout";
            case UPSTREAM_UNAVAILABLE -> "unreachable";
            default -> e.status() < 500 ? "rejected" : "error";
        };
    }

    /** The model's active targets in its strategy's order, then its fallbacks' targets in theirs. */
    private List<Candidate> candidates(Model model) {
        List<Candidate> ordered = new ArrayList<>(ordered(model));
        for (String fallback : model.entry().fallbacks()) {
            Model other = models.get(fallback);
            if (other != null && other != model) {
                ordered.addAll(ordered(other));
            }
        }
        return ordered;
    }

    private List<Candidate> ordered(Model model) {
        List<Candidate> active = new ArrayList<>();
        for (GatewayConfig.ModelEntry.Target target : model.entry().targets()) {
            Provider provider = providers.get(target.provider());
            if (provider != null) {
                String upstreamModel = target.model() == null ? model.entry().name() : target.model();
                active.add(new Candidate(target.provider(), provider, upstreamModel, target.weight(),
                        prices.priceOf(target.provider(), upstreamModel),
                        health.computeIfAbsent(target.provider() + "/" + upstreamModel, label -> new TargetHealth(
                                new CircuitBreaker(routing.breakerFailures(),
                                        Duration.ofMillis(routing.breakerCoolDownMs()), clock)))));
            }
        }
        return model.strategy().order(active, model.turns().getAndIncrement(), random());
    }

    /** @return the circuit breaker state of a target, {@code provider/upstream model} (for tests and the admin API) */
    public String circuitState(String target) {
        TargetHealth known = health.get(target);
        return known == null ? CircuitBreaker.State.CLOSED.name() : known.breaker().state().name();
    }

    private RandomGenerator random() {
        return random != null ? random : ThreadLocalRandom.current();
    }

    private void sleep(Duration wait) {
        try {
            pause.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the request was interrupted between two attempts",
                    e);
        }
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
