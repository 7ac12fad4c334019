package io.portcullis.runtime.routing;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.GatewayRequest;
import io.portcullis.api.model.ModelInfo;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.provider.CallContext;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.ForwardingChunkStream;
import io.portcullis.api.provider.Provider;
import io.portcullis.runtime.config.GatewayConfig;
import io.portcullis.runtime.pipeline.Terminal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The terminal stage of every pipeline: maps the public model name to its targets, calls a provider, and falls
 * back — to the model's other targets, then to its {@code fallbacks} — when a call fails with a retryable error
 * (429, 5xx, timeout, unreachable) before anything reached the client. The reply names the public model and carries
 * {@code x-portcullis-provider}.
 */
public final class ModelRouter implements Terminal {

    /** The response header that names the provider that answered. */
    public static final String PROVIDER_HEADER = "x-portcullis-provider";

    private static final Logger log = LoggerFactory.getLogger(ModelRouter.class);

    private final Map<String, GatewayConfig.ModelEntry> models = new LinkedHashMap<>();
    private final ProviderRegistry providers;
    private final long createdEpochSeconds = Instant.now().getEpochSecond();

    public ModelRouter(List<GatewayConfig.ModelEntry> entries, ProviderRegistry providers) {
        entries.forEach(entry -> models.put(entry.name(), entry));
        this.providers = providers;
    }

    /** @return the public models that have at least one active target, as {@code GET /v1/models} lists them */
    public List<ModelInfo> availableModels() {
        return models.values().stream()
                .filter(model -> model.targets().stream().anyMatch(t -> providers.get(t.provider()) != null))
                .map(model -> ModelInfo.of(model.name(), createdEpochSeconds, "portcullis"))
                .toList();
    }

    @Override
    public Reply answer(Exchange exchange) {
        GatewayRequest request = exchange.request();
        GatewayConfig.ModelEntry model = models.get(request.model());
        if (model == null) {
            throw new GatewayException(ErrorCode.NOT_FOUND, 404, "The model '" + request.model()
                    + "' does not exist on this gateway; GET /v1/models lists the available models.", "model",
                    Map.of(), null);
        }
        List<Candidate> candidates = candidates(model);
        if (candidates.isEmpty()) {
            String reason = model.targets().stream().map(t -> providers.whyUnavailable(t.provider()))
                    .filter(java.util.Objects::nonNull).findFirst().orElse("no provider is active");
            throw new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "The model '" + model.name()
                    + "' is not available: " + reason + ".");
        }
        RequestRecord record = exchange.get(RequestRecord.KEY).orElseGet(RequestRecord::new);
        record.madeFor(exchange.principal().id());
        CallContext call = new CallContext(exchange.requestId(), exchange.deadline());
        GatewayException last = null;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            if (last != null && Instant.now().isAfter(exchange.deadline())) {
                break;
            }
            try {
                Reply reply = call(candidate, request, call);
                record.attempt(candidate.label(), "ok");
                record.answeredBy(candidate.providerId());
                return reply.withHeader(PROVIDER_HEADER, candidate.providerId());
            } catch (GatewayException e) {
                record.attempt(candidate.label(), String.valueOf(e.status()));
                if (!retryable(e) || i == candidates.size() - 1) {
                    throw e;
                }
                log.info("Request {}: {} failed with {} ({}); trying {}", exchange.requestId(),
                        candidate.label(), e.status(), e.getMessage(), candidates.get(i + 1).label());
                last = e;
            }
        }
        throw last;
    }

    private Reply call(Candidate candidate, GatewayRequest request, CallContext call) {
        Provider provider = candidate.provider();
        String publicName = request.model();
        return switch (request) {
            case ChatRequest chat when chat.isStreaming() -> new Reply.Streaming(
                    renamed(provider.stream(chat.withModel(candidate.upstreamModel()), call), publicName));
            case ChatRequest chat -> new Reply.Complete(
                    provider.chat(chat.withModel(candidate.upstreamModel()), call).withModel(publicName));
            case EmbeddingRequest embedding -> new Reply.Embeddings(
                    provider.embed(embedding.withModel(candidate.upstreamModel()), call).withModel(publicName));
        };
    }

    private static ChunkStream renamed(ChunkStream stream, String publicName) {
        return new ForwardingChunkStream(stream) {
            @Override
            public Optional<ChatChunk> next() {
                return super.next().map(chunk -> chunk.withModel(publicName));
            }
        };
    }

    /** The model's active targets, a weighted pick first, then its fallbacks' targets in order. */
    private List<Candidate> candidates(GatewayConfig.ModelEntry model) {
        List<Candidate> ordered = new ArrayList<>(weightedOrder(model));
        for (String fallback : model.fallbacks()) {
            GatewayConfig.ModelEntry other = models.get(fallback);
            if (other != null && other != model) {
                ordered.addAll(weightedOrder(other));
            }
        }
        return ordered;
    }

    private List<Candidate> weightedOrder(GatewayConfig.ModelEntry model) {
        List<Candidate> active = new ArrayList<>();
        for (GatewayConfig.ModelEntry.Target target : model.targets()) {
            Provider provider = providers.get(target.provider());
            if (provider != null) {
                active.add(new Candidate(target.provider(), provider,
                        target.model() == null ? model.name() : target.model(), target.weight()));
            }
        }
        if (active.size() > 1) {
            double total = active.stream().mapToDouble(Candidate::weight).sum();
            double pick = ThreadLocalRandom.current().nextDouble() * total;
            for (int i = 0; i < active.size(); i++) {
                pick -= active.get(i).weight();
                if (pick < 0) {
                    active.add(0, active.remove(i));
                    break;
                }
            }
        }
        return active;
    }

    private static boolean retryable(GatewayException e) {
        return e.status() == 429 || e.status() >= 500 && e.code() != ErrorCode.INTERNAL;
    }

    private record Candidate(String providerId, Provider provider, String upstreamModel, double weight) {
        String label() {
            return providerId + "/" + upstreamModel;
        }
    }
}
