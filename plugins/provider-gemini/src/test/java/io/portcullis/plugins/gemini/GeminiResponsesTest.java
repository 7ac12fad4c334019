package io.portcullis.plugins.gemini;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Usage;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.portcullis.plugins.gemini.GeminiRequestsTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeminiResponsesTest {

    @Test
    void a_text_answer_becomes_a_chat_completion_with_its_usage() {
        ChatResponse response = GeminiResponses.chat(json("""
                {"candidates":[{"content":{"parts":[{"text":"Hello"},{"text":" there"}],"role":"model"},
                                "finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":2,"totalTokenCount":9},
                 "modelVersion":"gemini-2.5-flash","responseId":"abc123"}"""), "gemini-2.5-flash", 1_700_000_000L);

        assertThat(response.id()).isEqualTo("chatcmpl-abc123");
        assertThat(response.model()).isEqualTo("gemini-2.5-flash");
        assertThat(response.created()).isEqualTo(1_700_000_000L);
        assertThat(response.text()).isEqualTo("Hello there");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(response.usage()).isEqualTo(Usage.of(7, 2));
    }

    @Test
    void function_calls_become_tool_calls_with_stable_ids_and_the_tool_calls_finish_reason() {
        String answer = """
                {"candidates":[{"content":{"parts":[
                    {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
                    {"functionCall":{"name":"get_time","args":{}}}],"role":"model"},"finishReason":"STOP"}]}""";

        ChatResponse first = GeminiResponses.chat(json(answer), "m", 0);
        ChatResponse again = GeminiResponses.chat(json(answer), "m", 0);

        ChatResponse.Choice choice = first.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo("tool_calls");
        assertThat(choice.message().content()).isNull();
        assertThat(choice.message().toolCalls()).extracting(call -> call.id(), call -> call.function().name(),
                        call -> call.function().arguments())
                .containsExactly(tuple("call_0_get_weather", "get_weather",
                                "{\"city\":\"Paris\"}"),
                        tuple("call_1_get_time", "get_time", "{}"));
        assertThat(again.choices().get(0).message().toolCalls()).isEqualTo(choice.message().toolCalls());
    }

    @Test
    void a_blocked_prompt_is_a_content_filter_finish_with_a_refusal() {
        ChatResponse response = GeminiResponses.chat(json("""
                {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},
                 "usageMetadata":{"promptTokenCount":12,"totalTokenCount":12}}"""), "m", 0);

        assertThat(response.choices()).singleElement().satisfies(choice -> {
            assertThat(choice.finishReason()).isEqualTo("content_filter");
            assertThat(choice.message().content()).isNull();
            assertThat(choice.message().extra().get("refusal").asText()).contains("PROHIBITED_CONTENT");
        });
        assertThat(response.usage()).isEqualTo(Usage.of(12, 0));
    }

    @ParameterizedTest
    @CsvSource({"STOP,false,stop", "STOP,true,tool_calls", "MAX_TOKENS,false,length", "SAFETY,false,content_filter",
            "RECITATION,false,content_filter", "PROHIBITED_CONTENT,false,content_filter",
            "BLOCKLIST,false,content_filter", "SPII,false,content_filter", "OTHER,false,stop",
            "MALFORMED_FUNCTION_CALL,false,stop"})
    void finish_reasons_map_to_openais(String gemini, boolean calledFunction, String openai) {
        assertThat(GeminiResponses.finishReason(gemini, calledFunction)).isEqualTo(openai);
    }

    @Test
    void thinking_tokens_count_as_completion_tokens_and_cached_tokens_are_named() {
        Usage usage = GeminiResponses.usage(json("""
                {"promptTokenCount":100,"candidatesTokenCount":20,"thoughtsTokenCount":30,
                 "cachedContentTokenCount":64,"totalTokenCount":150}"""));

        assertThat(usage.promptTokens()).isEqualTo(100);
        assertThat(usage.completionTokens()).isEqualTo(50);
        assertThat(usage.totalTokens()).isEqualTo(150);
        assertThat(usage.extra().get("completion_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(30);
        assertThat(usage.extra().get("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(64);
    }

    @Test
    void thought_parts_are_not_part_of_the_answer() {
        ChatResponse response = GeminiResponses.chat(json("""
                {"candidates":[{"content":{"parts":[{"text":"let me think","thought":true},{"text":"42"}]},
                                "finishReason":"STOP"}]}"""), "m", 0);

        assertThat(response.text()).isEqualTo("42");
    }

    @Test
    void an_answer_without_candidates_or_a_block_reason_is_an_upstream_error() {
        assertThatThrownBy(() -> GeminiResponses.chat(json("""
                {"usageMetadata":{"promptTokenCount":3,"totalTokenCount":3}}"""), "m", 0))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining("without a candidate");
    }
}
