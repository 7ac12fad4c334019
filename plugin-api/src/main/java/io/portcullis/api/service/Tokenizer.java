package io.portcullis.api.service;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Message;

import java.util.Objects;

/**
 * Counts tokens the way a model family does (tiktoken's encodings: {@code o200k_base} for GPT-4o and newer,
 * {@code cl100k_base} for older and unknown models). Safe to share between threads.
 */
public interface Tokenizer {

    /** @return the number of tokens {@code text} makes for {@code model} */
    int count(String model, String text);

    /**
     * Estimates the prompt tokens of a chat request as OpenAI bills them: each message's text and role, plus a few
     * tokens of framing per message. Images and audio are not counted.
     */
    default int countPrompt(ChatRequest request) {
        int total = 3;
        if (request.messages() != null) {
            for (Message message : request.messages()) {
                total += 3 + count(request.model(), message.role() == null ? "" : message.role())
                        + count(request.model(), message.text());
                if (message.name() != null) {
                    total += 1 + count(request.model(), message.name());
                }
                if (message.toolCalls() != null) {
                    for (var call : message.toolCalls()) {
                        if (call.function() != null) {
                            total += count(request.model(), Objects.requireNonNullElse(call.function().name(), ""))
                                    + count(request.model(),
                                    Objects.requireNonNullElse(call.function().arguments(), ""));
                        }
                    }
                }
            }
        }
        return total;
    }
}
