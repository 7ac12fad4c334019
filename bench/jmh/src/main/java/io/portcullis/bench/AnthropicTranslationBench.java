package io.portcullis.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.plugins.anthropic.AnthropicConfig;
import io.portcullis.plugins.anthropic.AnthropicProvider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** provider-anthropic: canonical requests to Messages API JSON, messages and their event streams back. */
public class AnthropicTranslationBench extends TranslationBench {

    @Override
    protected Provider provider(HttpTransport transport) {
        return new AnthropicProvider("anthropic", AnthropicConfig.of("http://upstream.invalid", "sk-ant-bench"),
                transport);
    }

    @Override
    protected byte[] wholeAnswer() throws Exception {
        ObjectNode message = message("end_turn", 95);
        message.putArray("content").addObject().put("type", "text").put("text", ANSWER);
        return JSON.writeValueAsBytes(message);
    }

    @Override
    protected byte[] streamedAnswer() throws Exception {
        ByteArrayOutputStream events = new ByteArrayOutputStream();
        ObjectNode start = message(null, 1);
        start.putArray("content");
        event(events, "message_start", object().put("type", "message_start").set("message", start));
        event(events, "content_block_start", object().put("type", "content_block_start").put("index", 0)
                .set("content_block", object().put("type", "text").put("text", "")));
        event(events, "ping", object().put("type", "ping"));
        for (String piece : PIECES) {
            event(events, "content_block_delta", object().put("type", "content_block_delta").put("index", 0)
                    .set("delta", object().put("type", "text_delta").put("text", piece)));
        }
        event(events, "content_block_stop", object().put("type", "content_block_stop").put("index", 0));
        ObjectNode delta = object().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
        delta.putObject("usage").put("output_tokens", 95);
        event(events, "message_delta", delta);
        event(events, "message_stop", object().put("type", "message_stop"));
        return events.toByteArray();
    }

    private static ObjectNode message(String stopReason, int outputTokens) {
        ObjectNode message = object().put("id", "msg_bench").put("type", "message").put("role", "assistant")
                .put("model", "model-x").put("stop_reason", stopReason).putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 120).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0).put("output_tokens", outputTokens);
        return message;
    }

    private static void event(ByteArrayOutputStream events, String type, ObjectNode data) throws Exception {
        events.write(("event: " + type + "\ndata: " + JSON.writeValueAsString(data) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
    }
}
