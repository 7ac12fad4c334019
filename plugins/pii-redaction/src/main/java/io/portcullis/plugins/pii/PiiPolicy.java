package io.portcullis.plugins.pii;

import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.FunctionCall;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.policy.Chain;
import io.portcullis.api.policy.Exchange;
import io.portcullis.api.policy.Policy;
import io.portcullis.api.policy.Reply;
import io.portcullis.api.service.Metrics;

import javax.crypto.Mac;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Scans a chat request (every message's text parts, tool-call arguments and tool results, and the {@code user}
 * field), applies each finding's action before anything reaches the provider, and restores masked values in the reply,
 * complete or streamed. Other requests (embeddings) pass unchanged. Counts detections in
 * {@value #METRIC}{@code {type, action}}; never logs a value.
 */
final class PiiPolicy implements Policy {

    static final String METRIC = "portcullis.pii.detections";

    private final PiiConfig config;
    private final Scanner scanner;
    private final Mac hmac;
    private final Metrics metrics;

    PiiPolicy(PiiConfig config, Metrics metrics) {
        this.config = config;
        this.scanner = new Scanner(config);
        this.hmac = Redaction.keyedHmac(config.hashKey());
        this.metrics = metrics;
    }

    @Override
    public Reply apply(Exchange exchange, Chain chain) {
        if (exchange.chat().isEmpty()) {
            return chain.proceed(exchange);
        }
        Redaction redaction = new Redaction(scanner, config, hmac);
        ChatRequest redacted;
        try {
            redacted = redact(exchange.chat().get(), redaction);
        } finally {
            report(redaction);
        }
        Reply reply = chain.proceed(exchange.with(redacted));
        Restorer restorer = new Restorer(Map.copyOf(redaction.placeholders()), redaction.longestPlaceholder());
        boolean restore = config.restore() && !restorer.isEmpty();
        return switch (reply) {
            case Reply.Complete complete when restore || config.scanReplies() -> {
                ChatResponse response = rewrite(complete.response(), text -> {
                    String restored = restore ? restorer.restore(text) : text;
                    return config.scanReplies() ? redaction.applyToReply(restored) : restored;
                });
                report(redaction.counts().entrySet().stream().filter(e -> e.getKey().contains(" reply "))
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
                yield new Reply.Complete(response, complete.headers());
            }
            case Reply.Streaming streaming when restore ->
                    new Reply.Streaming(new RestoringStream(streaming.chunks(), restorer), streaming.headers());
            default -> reply;
        };
    }

    ChatRequest redact(ChatRequest request, Redaction redaction) {
        List<Message> messages = request.messages();
        List<Message> rewritten = null;
        if (messages != null) {
            rewritten = new ArrayList<>(messages.size());
            for (int m = 0; m < messages.size(); m++) {
                rewritten.add(redact(messages.get(m), "messages[" + m + "]", redaction));
            }
        }
        String user = request.user() == null ? null : redaction.apply(request.user(), "user");
        return new ChatRequest(request.model(), rewritten, request.stream(), request.temperature(), request.topP(),
                request.maxTokens(), request.maxCompletionTokens(), request.stop(), request.tools(),
                request.toolChoice(), user, request.extra());
    }

    private static Message redact(Message message, String where, Redaction redaction) {
        Message out = message;
        if (message.content() != null) {
            List<ContentPart> parts = message.content().parts();
            List<ContentPart> rewritten = new ArrayList<>(parts.size());
            for (int p = 0; p < parts.size(); p++) {
                ContentPart part = parts.get(p);
                String field = parts.size() == 1 ? where + ".content" : where + ".content[" + p + "].text";
                rewritten.add(part.isTextPart() && part.text() != null
                        ? part.withText(redaction.apply(part.text(), field)) : part);
            }
            out = out.withContent(new Content(rewritten));
        }
        if (message.toolCalls() != null) {
            List<ToolCall> calls = new ArrayList<>(message.toolCalls().size());
            for (int c = 0; c < message.toolCalls().size(); c++) {
                ToolCall call = message.toolCalls().get(c);
                if (call.function() != null && call.function().arguments() != null) {
                    String arguments = redaction.apply(call.function().arguments(),
                            where + ".tool_calls[" + c + "].function.arguments");
                    call = new ToolCall(call.id(), call.type(), new FunctionCall(call.function().name(), arguments),
                            call.extra());
                }
                calls.add(call);
            }
            out = out.withToolCalls(calls);
        }
        return out;
    }

    /** Applies {@code rewrite} to every choice's text and tool-call arguments. */
    private static ChatResponse rewrite(ChatResponse response, UnaryOperator<String> rewrite) {
        List<ChatResponse.Choice> choices = new ArrayList<>(response.choices().size());
        for (ChatResponse.Choice choice : response.choices()) {
            Message message = choice.message();
            if (message != null) {
                if (message.content() != null) {
                    List<ContentPart> parts = new ArrayList<>();
                    for (ContentPart part : message.content().parts()) {
                        parts.add(part.isTextPart() && part.text() != null ? part.withText(rewrite.apply(part.text()))
                                : part);
                    }
                    message = message.withContent(new Content(parts));
                }
                if (message.toolCalls() != null) {
                    List<ToolCall> calls = new ArrayList<>();
                    for (ToolCall call : message.toolCalls()) {
                        calls.add(call.function() == null || call.function().arguments() == null ? call
                                : new ToolCall(call.id(), call.type(), new FunctionCall(call.function().name(),
                                rewrite.apply(call.function().arguments())), call.extra()));
                    }
                    message = message.withToolCalls(calls);
                }
            }
            choices.add(new ChatResponse.Choice(choice.index(), message, choice.finishReason(), choice.extra()));
        }
        return response.withChoices(choices);
    }

    private void report(Redaction redaction) {
        report(redaction.counts());
    }

    private void report(Map<String, Integer> counts) {
        counts.forEach((key, count) -> {
            String[] typeAndAction = key.split(" ");
            String where = typeAndAction.length == 3 ? "reply" : "request";
            metrics.increment(METRIC, count, "type", typeAndAction[0], "action",
                    typeAndAction[typeAndAction.length - 1], "in", where);
        });
    }
}
