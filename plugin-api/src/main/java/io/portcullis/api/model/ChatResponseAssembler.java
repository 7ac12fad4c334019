package io.portcullis.api.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds the chunks of a stream into the complete response they add up to: text and tool-call arguments
 * concatenated per choice, the last finish reason and the usage kept.
 *
 * <p>Not thread-safe: one assembler per stream, fed in order. A cache policy uses it to store what a stream said;
 * the runtime uses it to give completion hooks the assembled response.
 */
public final class ChatResponseAssembler {

    private String id;
    private long created;
    private String model;
    private Usage usage;
    private final Map<Integer, ChoiceBuilder> choices = new TreeMap<>();

    /** Adds one chunk. */
    public void add(ChatChunk chunk) {
        if (id == null) {
            id = chunk.id();
            created = chunk.created();
            model = chunk.model();
        }
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        for (ChatChunk.Choice choice : chunk.choices()) {
            choices.computeIfAbsent(choice.index(), ChoiceBuilder::new).add(choice);
        }
    }

    /** @return the usage reported so far, or {@code null} */
    public Usage usage() {
        return usage;
    }

    /** @return the response the chunks added so far make up */
    public ChatResponse build() {
        List<ChatResponse.Choice> built = new ArrayList<>(choices.size());
        for (ChoiceBuilder choice : choices.values()) {
            built.add(choice.build());
        }
        return new ChatResponse(id, ChatResponse.OBJECT, created, model, built, usage, null);
    }

    private static final class ChoiceBuilder {
        private final int index;
        private String role = Message.ASSISTANT;
        private final StringBuilder text = new StringBuilder();
        private boolean sawText;
        private String finishReason;
        private final Map<Integer, ToolCallBuilder> toolCalls = new TreeMap<>();

        ChoiceBuilder(int index) {
            this.index = index;
        }

        void add(ChatChunk.Choice choice) {
            if (choice.finishReason() != null) {
                finishReason = choice.finishReason();
            }
            ChatChunk.Delta delta = choice.delta();
            if (delta == null) {
                return;
            }
            if (delta.role() != null) {
                role = delta.role();
            }
            if (delta.content() != null) {
                text.append(delta.content());
                sawText = true;
            }
            if (delta.toolCalls() != null) {
                for (ChatChunk.ToolCallDelta piece : delta.toolCalls()) {
                    toolCalls.computeIfAbsent(piece.index(), i -> new ToolCallBuilder()).add(piece);
                }
            }
        }

        ChatResponse.Choice build() {
            List<ToolCall> calls = null;
            if (!toolCalls.isEmpty()) {
                calls = toolCalls.values().stream().map(ToolCallBuilder::build).toList();
            }
            Content content = sawText || calls == null ? Content.text(text.toString()) : null;
            return new ChatResponse.Choice(index, new Message(role, content, null, calls, null, null), finishReason,
                    null);
        }
    }

    private static final class ToolCallBuilder {
        private String id;
        private String type;
        private String name;
        private final StringBuilder arguments = new StringBuilder();

        void add(ChatChunk.ToolCallDelta piece) {
            if (piece.id() != null) {
                id = piece.id();
            }
            if (piece.type() != null) {
                type = piece.type();
            }
            if (piece.function() != null) {
                if (piece.function().name() != null) {
                    name = piece.function().name();
                }
                if (piece.function().arguments() != null) {
                    arguments.append(piece.function().arguments());
                }
            }
        }

        ToolCall build() {
            return new ToolCall(id, type == null ? "function" : type, new FunctionCall(name, arguments.toString()),
                    null);
        }
    }
}
