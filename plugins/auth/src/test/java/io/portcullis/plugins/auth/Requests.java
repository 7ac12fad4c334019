package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Message;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Reply;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Exchanges for a model with given headers, and a chain that records the principal it was passed. */
final class Requests {

    private Requests() {
    }

    static Exchange chat(String model, Map<String, String> headers) {
        return Exchange.of(ChatRequest.of(model, List.of(Message.of(Message.USER, "Hello"))), "/v1/chat/completions",
                "req-1", Instant.now().plusSeconds(60), headers);
    }

    /** A chain that answers "ok" and keeps the principal it saw. */
    static final class RecordingChain implements Chain {
        final AtomicReference<Principal> principal = new AtomicReference<>();

        @Override
        public Reply proceed(Exchange exchange) {
            principal.set(exchange.principal());
            return new Reply.Complete(ChatResponse.ofText("c", 0, exchange.request().model(), "ok", "stop", null));
        }
    }
}
