package io.portcullis.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.api.provider.SseEventReader;
import io.portcullis.testkit.GeminiSimulator.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator's wire format, read with a plain HTTP client: what Gemini's documentation shows. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeminiSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "AIza-sim";
    private static final String HELLO = """
            {"systemInstruction":{"parts":[{"text":"Be brief."}]},
             "contents":[{"role":"user","parts":[{"text":"Hello"}]}]}""";

    private final GeminiSimulator gemini = GeminiSimulator.start().requireApiKey(KEY);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        gemini.close();
        http.close();
    }

    private HttpResponse<String> post(String method, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gemini.baseUrl() + "/models/gemini-2.5-flash:"
                + method)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("x-goog-api-key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void generate_content_answers_a_candidate_of_the_model_with_usage_metadata() throws Exception {
        HttpResponse<String> response = post("generateContent", HELLO, KEY);

        JsonNode answer = JSON.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(answer.at("/candidates/0/content/role").asText()).isEqualTo("model");
        assertThat(answer.at("/candidates/0/content/parts/0/text").asText()).isEqualTo("echo: Hello");
        assertThat(answer.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(answer.at("/usageMetadata/totalTokenCount").asInt()).isEqualTo(
                answer.at("/usageMetadata/promptTokenCount").asInt()
                        + answer.at("/usageMetadata/candidatesTokenCount").asInt());
        assertThat(answer.path("modelVersion").asText()).isEqualTo("gemini-2.5-flash");
    }

    @Test
    void a_sse_stream_sends_crlf_separated_events_the_last_with_the_finish_reason() throws Exception {
        gemini.script(Script.reply("a b c"));

        HttpResponse<String> response = post("streamGenerateContent?alt=sse", HELLO, KEY);

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.body()).contains("\r\n\r\n");
        SseEventReader reader = new SseEventReader(new ByteArrayInputStream(
                response.body().getBytes(StandardCharsets.UTF_8)));
        List<JsonNode> events = new ArrayList<>();
        for (String data = reader.next(); data != null; data = reader.next()) {
            events.add(JSON.readTree(data));
        }
        assertThat(events).hasSize(3);
        assertThat(events).map(event -> event.at("/candidates/0/content/parts/0/text").asText())
                .containsExactly("a", " b", " c");
        assertThat(events.get(1).at("/candidates/0/finishReason").isMissingNode()).isTrue();
        assertThat(events.get(2).at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    }

    @Test
    void without_alt_sse_a_stream_is_one_json_array() throws Exception {
        gemini.script(Script.reply("a b"));

        JsonNode answer = JSON.readTree(post("streamGenerateContent", HELLO, KEY).body());

        assertThat(answer.isArray()).isTrue();
        assertThat(answer).hasSize(2);
    }

    @Test
    void a_wrong_key_is_a_400_with_the_api_key_invalid_reason_as_gemini_answers_it() throws Exception {
        HttpResponse<String> response = post("generateContent", HELLO, "AIza-wrong");

        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error.path("status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(error.at("/details/0/reason").asText()).isEqualTo("API_KEY_INVALID");
    }

    @Test
    void a_field_gemini_does_not_know_is_refused() throws Exception {
        HttpResponse<String> response = post("generateContent", """
                {"model":"gemini-2.5-flash","contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""", KEY);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText())
                .contains("Unknown name \"model\"");
    }

    @Test
    void function_responses_must_answer_every_call_of_the_turn_before() throws Exception {
        HttpResponse<String> response = post("generateContent", """
                {"contents":[{"role":"user","parts":[{"text":"Weather in Paris and Rome?"}]},
                  {"role":"model","parts":[{"functionCall":{"name":"w","args":{"city":"Paris"}}},
                                           {"functionCall":{"name":"w","args":{"city":"Rome"}}}]},
                  {"role":"user","parts":[{"functionResponse":{"name":"w","response":{"c":21}}}]}]}""", KEY);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText())
                .contains("number of function response parts");
    }

    @Test
    void a_scripted_quota_error_carries_the_retry_info_detail() throws Exception {
        gemini.scriptNext(Script.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.").withRetryDelay("9s"));

        HttpResponse<String> response = post("generateContent", HELLO, KEY);

        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(error.path("code").asInt()).isEqualTo(429);
        assertThat(error.at("/details/0/retryDelay").asText()).isEqualTo("9s");
        assertThat(gemini.lastRequest().header("x-goog-api-key")).isEqualTo(KEY);
    }

    @Test
    void a_blocked_prompt_has_prompt_feedback_and_no_candidates() throws Exception {
        gemini.scriptNext(Script.blockedPrompt("SAFETY"));

        JsonNode answer = JSON.readTree(post("generateContent", HELLO, KEY).body());

        assertThat(answer.has("candidates")).isFalse();
        assertThat(answer.at("/promptFeedback/blockReason").asText()).isEqualTo("SAFETY");
    }
}
