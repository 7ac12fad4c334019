package io.portcullis.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.provider.Provider;
import io.portcullis.api.service.HttpTransport;
import io.portcullis.plugins.openai.OpenAiConfig;
import io.portcullis.plugins.openai.OpenAiProvider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** provider-openai: the baseline, since OpenAI's format is the canonical one and its adapter translates nothing. */
public class OpenAiTranslationBench extends TranslationBench {

    @Override
    protected Provider provider(HttpTransport transport) {
        return new OpenAiProvider("openai", OpenAiConfig.of("http://upstream.invalid/v1", "sk-bench"), transport);
    }

    @Override
    protected byte[] wholeAnswer() throws Exception {
        ObjectNode completion = header("chat.completion");
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", ANSWER).putNull("refusal");
        choice.putNull("logprobs").put("finish_reason", "stop");
        completion.set("usage", usage());
        return JSON.writeValueAsBytes(completion);
    }

    @Override
    protected byte[] streamedAnswer() throws Exception {
        ByteArrayOutputStream events = new ByteArrayOutputStream();
        event(events, chunk(object().put("role", "assistant").put("content", ""), null));
        for (String piece : PIECES) {
            event(events, chunk(object().put("content", piece), null));
        }
        event(events, chunk(object(), "stop"));
        ObjectNode usage = header("chat.completion.chunk");
        usage.putArray("choices");
        usage.set("usage", usage());
        event(events, usage);
        events.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        return events.toByteArray();
    }

    private static ObjectNode header(String object) {
        return object().put("id", "chatcmpl-bench").put("object", object).put("created", 1_733_000_000L)
                .put("model", "model-x").put("system_fingerprint", "fp_bench");
    }

    private static ObjectNode usage() {
        return object().put("prompt_tokens", 120).put("completion_tokens", 95).put("total_tokens", 215);
    }

    private static ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = header("chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    private static void event(ByteArrayOutputStream events, ObjectNode data) throws Exception {
        events.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
}
