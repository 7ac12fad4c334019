package com.example.portcullis.modeloverride;

import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.Metrics;

import java.util.Optional;

/**
 * Sends a chat request to the model its header names instead of the one in its body, when the configuration allows
 * that model; refuses it with a 403 otherwise. The reply says which model was asked for
 * ({@code x-model-overridden-from}), so a client can tell an override happened.
 */
final class ModelOverridePolicy implements Policy {

    /** The response header naming the model of the request's body, on overridden replies. */
    static final String OVERRIDDEN_FROM = "x-model-overridden-from";

    private final ModelOverrideConfig config;
    private final Metrics metrics;

    ModelOverridePolicy(ModelOverrideConfig config, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public Reply apply(Exchange exchange, Chain chain) {
        Optional<String> wanted = exchange.header(config.header()).map(String::trim).filter(v -> !v.isEmpty());
        Optional<ChatRequest> chat = exchange.chat();
        if (wanted.isEmpty() || chat.isEmpty() || wanted.get().equals(chat.get().model())) {
            return chain.proceed(exchange);
        }
        String model = wanted.get();
        if (!config.allows(model)) {
            // The client's mistake, in words it can act on: which header, which model, what is allowed.
            throw new GatewayException(ErrorCode.PERMISSION_DENIED, "model '" + model + "' may not be chosen with "
                    + "the " + config.header() + " header; allowed: " + String.join(", ", config.allowed()));
        }
        metrics.increment("model_override.overridden", "model", model);
        Reply reply = chain.proceed(exchange.with(chat.get().withModel(model)));
        return reply.withHeader(OVERRIDDEN_FROM, chat.get().model());
    }
}
