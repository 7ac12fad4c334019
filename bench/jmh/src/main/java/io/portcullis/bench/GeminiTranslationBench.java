package io.portcullis.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.plugins.gemini.GeminiConfig;
import io.portcullis.plugins.gemini.GeminiProvider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * provider-gemini: canonical requests to {@code GenerateContentRequest} JSON (system instruction, model turns,
 * function calls and responses, declarations), {@code GenerateContentResponse}s and their event streams back.
 */
public class GeminiTranslationBench extends TranslationBench {

    @Override
    protected Provider provider(HttpTransport transport) {
        return new GeminiProvider("gemini", GeminiConfig.of("http://upstream.invalid/v1beta", "AIza-bench"),
                transport);
    }

    @Override
    protected byte[] wholeAnswer() throws Exception {
        return JSON.writeValueAsBytes(response(ANSWER, "STOP", 95));
    }

    /** One event per piece, as Gemini streams: the last with the finish reason and the whole usage. */
    @Override
    protected byte[] streamedAnswer() throws Exception {
        ByteArrayOutputStream events = new ByteArrayOutputStream();
        for (int i = 0; i < PIECES.size(); i++) {
            boolean last = i == PIECES.size() - 1;
            ObjectNode event = response(PIECES.get(i), last ? "STOP" : null, last ? 95 : 0);
            events.write(("data: " + JSON.writeValueAsString(event) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return events.toByteArray();
    }

    private static ObjectNode response(String text, String finishReason, int outputTokens) {
        ObjectNode response = object();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        content.put("role", "model");
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        ObjectNode usage = response.putObject("usageMetadata").put("promptTokenCount", 120);
        if (outputTokens > 0) {
            usage.put("candidatesTokenCount", outputTokens);
        }
        usage.put("totalTokenCount", 120 + outputTokens);
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", 120);
        return response.put("modelVersion", "model-x").put("responseId", "bench-response-id");
    }
}
