package io.portcullis.plugins.pii;

import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.FunctionCall;
import io.portcullis.api.provider.ChunkStream;
import io.portcullis.api.provider.ForwardingChunkStream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Restores placeholders in a streamed reply, including one the upstream splits across chunks ({@code <EM} +
 * {@code AIL_1>}, or one character per chunk). Each text channel (a choice's content, a tool call's arguments) keeps
 * back only a trailing {@code <…} that is still the start of a placeholder this request handed out, so it never
 * holds more than a placeholder's length, and the held text goes out with the next chunk, the chunk that finishes the
 * choice, or a last chunk of its own when the upstream ends without one.
 */
final class RestoringStream extends ForwardingChunkStream {

    private final Restorer restorer;
    /** Held-back text per channel: "c<choice>" for content, "t<choice>.<tool index>" for a tool call's arguments. */
    private final Map<String, StringBuilder> held = new LinkedHashMap<>();
    private ChatChunk last;
    private boolean ended;

    RestoringStream(ChunkStream upstream, Restorer restorer) {
        super(upstream);
        this.restorer = restorer;
    }

    @Override
    public Optional<ChatChunk> next() {
        if (ended) {
            return Optional.empty();
        }
        Optional<ChatChunk> chunk = super.next();
        if (chunk.isEmpty()) {
            ended = true;
            return Optional.ofNullable(leftovers());
        }
        last = chunk.get();
        return Optional.of(rewrite(chunk.get()));
    }

    private ChatChunk rewrite(ChatChunk chunk) {
        if (chunk.choices().isEmpty()) {
            return chunk;
        }
        List<ChatChunk.Choice> choices = new ArrayList<>(chunk.choices().size());
        for (ChatChunk.Choice choice : chunk.choices()) {
            ChatChunk.Delta delta = choice.delta();
            boolean finishing = choice.finishReason() != null;
            if (delta == null) {
                choices.add(choice);
                continue;
            }
            String content = delta.content();
            String contentKey = "c" + choice.index();
            if (content != null || (finishing && held.containsKey(contentKey))) {
                content = feed(contentKey, content == null ? "" : content, finishing);
            }
            List<ChatChunk.ToolCallDelta> calls = delta.toolCalls();
            if (calls != null) {
                List<ChatChunk.ToolCallDelta> rewritten = new ArrayList<>(calls.size());
                for (ChatChunk.ToolCallDelta call : calls) {
                    if (call.function() != null && call.function().arguments() != null) {
                        String arguments = feed("t" + choice.index() + "." + call.index(), call.function().arguments(),
                                false);
                        call = new ChatChunk.ToolCallDelta(call.index(), call.id(), call.type(),
                                new FunctionCall(call.function().name(), arguments), call.extra());
                    }
                    rewritten.add(call);
                }
                calls = rewritten;
            }
            if (finishing) {
                calls = flushToolCalls(choice.index(), calls);
            }
            choices.add(new ChatChunk.Choice(choice.index(),
                    new ChatChunk.Delta(delta.role(), content, calls, delta.extra()), choice.finishReason(),
                    choice.extra()));
        }
        return chunk.withChoices(choices);
    }

    /** Appends a piece to a channel and returns what can go out now, restored. */
    private String feed(String key, String piece, boolean flush) {
        StringBuilder buffer = held.get(key);
        String text = buffer == null || buffer.isEmpty() ? piece : buffer.append(piece).toString();
        int safe = flush ? text.length() : restorer.safeEnd(text);
        if (safe < text.length()) {
            held.put(key, new StringBuilder(text.substring(safe)));
        } else {
            held.remove(key);
        }
        return restorer.restore(text.substring(0, safe));
    }

    private List<ChatChunk.ToolCallDelta> flushToolCalls(int choice, List<ChatChunk.ToolCallDelta> calls) {
        List<ChatChunk.ToolCallDelta> out = calls == null ? new ArrayList<>() : new ArrayList<>(calls);
        String prefix = "t" + choice + ".";
        for (String key : List.copyOf(held.keySet())) {
            if (key.startsWith(prefix)) {
                int index = Integer.parseInt(key.substring(prefix.length()));
                out.add(new ChatChunk.ToolCallDelta(index, null, null, new FunctionCall(null, feed(key, "", true))));
            }
        }
        return out.isEmpty() ? calls : out;
    }

    /** A last chunk carrying what is still held when the upstream ended without finishing its choices. */
    private ChatChunk leftovers() {
        if (held.isEmpty() || last == null) {
            return null;
        }
        Map<Integer, ChatChunk.Choice> choices = new LinkedHashMap<>();
        for (String key : List.copyOf(held.keySet())) {
            int choice = Integer.parseInt(key.substring(1).split("\\.")[0]);
            if (key.startsWith("c")) {
                String content = feed(key, "", true);
                choices.put(choice, new ChatChunk.Choice(choice, new ChatChunk.Delta(null, content, null, null), null,
                        null));
            }
        }
        for (Integer choice : List.copyOf(choices.keySet())) {
            ChatChunk.Choice existing = choices.get(choice);
            List<ChatChunk.ToolCallDelta> calls = flushToolCalls(choice, null);
            choices.put(choice, new ChatChunk.Choice(choice, new ChatChunk.Delta(null, existing.delta().content(),
                    calls, null), null, null));
        }
        for (String key : List.copyOf(held.keySet())) { // tool calls of choices without held content
            int choice = Integer.parseInt(key.substring(1).split("\\.")[0]);
            choices.put(choice, new ChatChunk.Choice(choice, new ChatChunk.Delta(null, null,
                    flushToolCalls(choice, null), null), null, null));
        }
        return last.withChoices(List.copyOf(choices.values()));
    }
}
