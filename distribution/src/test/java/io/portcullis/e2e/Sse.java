package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.chat.completions.ChatCompletionChunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads OpenAI's server-sent events from a whole body: one {@code data:} line per event, {@code [DONE]} last. */
final class Sse {

    private Sse() {
    }

    /** @return the events' JSON payloads, in order, without the final {@code [DONE]} */
    static List<JsonNode> events(String body) {
        List<JsonNode> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String line = block.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("data: ")) {
                throw new AssertionError("not an SSE data event: " + line);
            }
            String data = line.substring("data: ".length());
            if (data.equals("[DONE]")) {
                continue;
            }
            try {
                events.add(Http.JSON.readTree(data));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return events;
    }

    /** @return the text of the first choice's deltas, concatenated */
    static String text(List<JsonNode> events) {
        StringBuilder text = new StringBuilder();
        for (JsonNode event : events) {
            JsonNode content = event.path("choices").path(0).path("delta").path("content");
            if (content.isTextual()) {
                text.append(content.asText());
            }
        }
        return text.toString();
    }

    /** @return the text of the SDK's chunks, concatenated */
    static String textOf(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
        }
        return text.toString();
    }
}
