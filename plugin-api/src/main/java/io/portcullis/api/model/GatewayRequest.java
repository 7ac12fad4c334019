package io.portcullis.api.model;

/**
 * What a client asks the gateway for: a chat completion or embeddings. Policies that care about one kind only
 * match on the type ({@code if (exchange.request() instanceof ChatRequest chat)}) and pass the other through.
 */
public sealed interface GatewayRequest permits ChatRequest, EmbeddingRequest {

    /** @return the public model name the client asked for */
    String model();
}
