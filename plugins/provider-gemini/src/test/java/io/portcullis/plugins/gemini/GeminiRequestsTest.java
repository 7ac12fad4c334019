package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.portcullis.plugins.gemini.GeminiProvider.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeminiRequestsTest {

    private static final Tool WEATHER = new Tool("function", new Tool.Function("get_weather", "The weather in a city",
            json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],"
                    + "\"additionalProperties\":false}"), true, null), null);

    @Test
    void a_user_message_becomes_one_user_turn_of_text() {
        ObjectNode body = GeminiRequests.generateContent(ChatRequest.of("gemini-2.5-flash",
                List.of(Message.of(Message.USER, "Hello"))));

        assertThat(body).isEqualTo(json("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hello\"}]}]}"));
    }

    @Test
    void system_and_developer_messages_become_the_system_instruction_and_assistants_become_the_model() {
        ObjectNode body = GeminiRequests.generateContent(ChatRequest.of("gemini-2.5-flash", List.of(
                Message.of(Message.SYSTEM, "Be brief."),
                Message.of("developer", "Answer in French."),
                Message.of(Message.USER, "Hi"),
                Message.of(Message.ASSISTANT, "Bonjour"),
                Message.of(Message.USER, "How are you?"))));

        assertThat(body.get("systemInstruction")).isEqualTo(json(
                "{\"parts\":[{\"text\":\"Be brief.\"},{\"text\":\"Answer in French.\"}]}"));
        assertThat(body.get("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"Hi"}]},
                 {"role":"model","parts":[{"text":"Bonjour"}]},
                 {"role":"user","parts":[{"text":"How are you?"}]}]"""));
    }

    @Test
    void a_tool_round_trip_becomes_function_call_and_function_response_parts_named_after_the_call() {
        Message calls = new Message(Message.ASSISTANT, null, null, List.of(
                ToolCall.function("call_abc", "get_weather", "{\"city\":\"Paris\"}"),
                ToolCall.function("call_def", "get_time", "{}")), null, null);
        ObjectNode body = GeminiRequests.generateContent(new ChatRequest("gemini-2.5-flash", List.of(
                Message.of(Message.USER, "Weather and time in Paris?"), calls,
                new Message(Message.TOOL, Content.text("{\"celsius\":21}"), null, null, "call_abc", null),
                new Message(Message.TOOL, Content.text("14:05"), null, null, "call_def", null)),
                null, null, null, null, null, null, List.of(WEATHER), null, null, null));

        assertThat(body.get("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"Weather and time in Paris?"}]},
                 {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
                                          {"functionCall":{"name":"get_time","args":{}}}]},
                 {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"celsius":21}}},
                                         {"functionResponse":{"name":"get_time","response":{"result":"14:05"}}}]}]
                """));
        assertThat(body.get("tools")).isEqualTo(json("""
                [{"functionDeclarations":[{"name":"get_weather","description":"The weather in a city",
                  "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},
                                          "required":["city"],"additionalProperties":false}}]}]"""));
    }

    @Test
    void a_tool_result_for_one_of_the_plugins_own_ids_finds_the_name_without_the_assistant_message() {
        ObjectNode body = GeminiRequests.generateContent(ChatRequest.of("gemini-2.5-flash", List.of(
                Message.of(Message.USER, "Go"),
                new Message(Message.TOOL, Content.text("ok"), null, null, "call_3_send_mail", null))));

        assertThat(body.at("/contents/1/parts/0/functionResponse/name").asText()).isEqualTo("send_mail");
    }

    @Test
    void a_tool_result_for_an_unknown_call_is_refused_with_the_field_at_fault() {
        ChatRequest request = ChatRequest.of("gemini-2.5-flash", List.of(Message.of(Message.USER, "Go"),
                new Message(Message.TOOL, Content.text("ok"), null, null, "toolu_123", null)));

        GatewayException failure = catchThrowableOfType(GatewayException.class,
                () -> GeminiRequests.generateContent(request));

        assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(failure.param()).isEqualTo("messages[1].tool_call_id");
    }

    @Test
    void sampling_fields_go_to_the_generation_config_and_openai_only_fields_are_dropped() {
        ChatRequest request = new ChatRequest("gemini-2.5-flash", List.of(Message.of(Message.USER, "Hi")), true, 0.2,
                0.9, 50, 100, List.of("END"), null, null, "user-7", Map.of(
                "seed", JSON.getNodeFactory().numberNode(7),
                "stream_options", json("{\"include_usage\":true}"),
                "response_format", json("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
                        + "\"schema\":{\"type\":\"object\"}}}"),
                "safetySettings", json("[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"threshold\":\"BLOCK_NONE\"}]")));

        ObjectNode body = GeminiRequests.generateContent(request);

        assertThat(body.get("generationConfig")).isEqualTo(json("""
                {"temperature":0.2,"topP":0.9,"maxOutputTokens":100,"stopSequences":["END"],"seed":7,
                 "responseMimeType":"application/json","responseJsonSchema":{"type":"object"}}"""));
        assertThat(body.get("safetySettings")).isEqualTo(request.extra().get("safetySettings"));
        assertThat(body.has("stream_options")).isFalse();
        assertThat(body.has("user")).isFalse();
    }

    @Test
    void tool_choice_becomes_the_function_calling_mode() {
        ChatRequest request = new ChatRequest("gemini-2.5-flash", List.of(Message.of(Message.USER, "Hi")), null,
                null, null, null, null, null, List.of(WEATHER),
                json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"), null, null);

        assertThat(GeminiRequests.generateContent(request).get("toolConfig")).isEqualTo(json(
                "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}}"));
        assertThat(GeminiRequests.generateContent(new ChatRequest("m", request.messages(), null, null, null, null,
                null, null, List.of(WEATHER), JSON.getNodeFactory().textNode("none"), null, null))
                .at("/toolConfig/functionCallingConfig/mode").asText()).isEqualTo("NONE");
    }

    @Test
    void images_become_inline_data_or_file_data() {
        Message message = new Message(Message.USER, new Content(List.of(ContentPart.text("What is this?"),
                ContentPart.image("data:image/png;base64,iVBORw0KGgo="),
                ContentPart.image("https://example.com/cat.webp?size=2"))), null, null, null, null);

        ObjectNode body = GeminiRequests.generateContent(ChatRequest.of("m", List.of(message)));

        assertThat(body.at("/contents/0/parts")).isEqualTo(json("""
                [{"text":"What is this?"},
                 {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
                 {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cat.webp?size=2"}}]"""));
    }

    @Test
    void a_role_gemini_has_no_counterpart_for_is_refused() {
        GatewayException failure = catchThrowableOfType(GatewayException.class, () -> GeminiRequests.generateContent(
                ChatRequest.of("m", List.of(Message.of("function", "x")))));

        assertThat(failure.status()).isEqualTo(400);
        assertThat(failure.param()).isEqualTo("messages[0].role");
    }

    @Test
    void embeddings_become_one_request_per_text_with_the_dimensions() {
        ObjectNode body = GeminiRequests.batchEmbedContents(new EmbeddingRequest("gemini-embedding-001",
                List.of("a", "b"), 256, null, null), "gemini-embedding-001");

        assertThat(body).isEqualTo(json("""
                {"requests":[
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]},"outputDimensionality":256},
                  {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]},"outputDimensionality":256}
                ]}"""));
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
