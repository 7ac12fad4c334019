package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static io.portcullis.plugins.anthropic.AnthropicProvider.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Canonical requests to Anthropic's JSON and Anthropic's messages back, without a network. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TranslationTest {

    private static final AnthropicConfig CONFIG = AnthropicConfig.of(null, "sk-ant-test");
    private static final Tool WEATHER = new Tool("function", new Tool.Function("get_weather", "The weather in a city",
            JSON.createObjectNode().put("type", "object"), null, null), null);

    private static JsonNode written(ChatRequest request) {
        return RequestWriter.write(request, CONFIG, false);
    }

    private static ChatRequest chat(Message... messages) {
        return ChatRequest.of("claude-sonnet-4-5", List.of(messages));
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    // -- requests ---------------------------------------------------------------------------------------------------

    @Test
    void a_text_message_becomes_a_user_turn_with_a_text_block_and_the_default_max_tokens() {
        JsonNode body = written(chat(Message.of(Message.USER, "Hello")));

        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(AnthropicConfig.DEFAULT_MAX_TOKENS);
        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/messages/0/content/0/type").asText()).isEqualTo("text");
        assertThat(body.at("/messages/0/content/0/text").asText()).isEqualTo("Hello");
        assertThat(body.has("stream")).isFalse();
        assertThat(body.has("system")).isFalse();
    }

    @Test
    void system_and_developer_messages_become_the_top_level_system_text() {
        JsonNode body = written(chat(Message.of(Message.SYSTEM, "Be brief."), Message.of("developer", "Use French."),
                Message.of(Message.USER, "Hello")));

        assertThat(body.path("system").asText()).isEqualTo("Be brief.\n\nUse French.");
        assertThat(body.path("messages").findValuesAsText("role")).containsExactly("user");
    }

    @Test
    void a_multi_turn_conversation_keeps_its_turns_in_order() {
        JsonNode body = written(chat(Message.of(Message.USER, "one"), Message.of(Message.ASSISTANT, "two"),
                Message.of(Message.USER, "three")));

        assertThat(body.path("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");
        assertThat(body.path("messages").findValuesAsText("text")).containsExactly("one", "two", "three");
    }

    @Test
    void consecutive_messages_of_one_role_become_one_turn() {
        JsonNode body = written(chat(Message.of(Message.USER, "one"), Message.of(Message.USER, "two")));

        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.at("/messages/0/content").findValuesAsText("text")).containsExactly("one", "two");
    }

    @Test
    void the_client_s_output_cap_sampling_and_stop_sequences_are_kept() {
        ChatRequest request = new ChatRequest("claude-sonnet-4-5", List.of(Message.of(Message.USER, "Hi")), true, 0.3,
                0.9, 100, 200, List.of("END", "STOP"), null, null, "user-7", Map.of("top_k", IntNode.valueOf(5),
                "seed", IntNode.valueOf(1)));

        JsonNode body = RequestWriter.write(request, CONFIG, true);

        assertThat(body.path("max_tokens").asInt()).as("max_completion_tokens wins").isEqualTo(200);
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("stop_sequences")).extracting(JsonNode::asText).containsExactly("END", "STOP");
        assertThat(body.path("top_k").asInt()).isEqualTo(5);
        assertThat(body.at("/metadata/user_id").asText()).isEqualTo("user-7");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.has("seed")).as("an OpenAI-only knob Anthropic would refuse").isFalse();
    }

    @Test
    void images_become_base64_or_url_image_blocks() {
        Message withImages = new Message(Message.USER, new Content(List.of(ContentPart.text("What is this?"),
                ContentPart.image("data:image/png;base64,iVBORw0KGgo="),
                ContentPart.image("https://example.com/cat.jpg"))), null, null, null, null);

        JsonNode blocks = written(chat(withImages)).at("/messages/0/content");

        assertThat(blocks).hasSize(3);
        assertThat(blocks.at("/1/type").asText()).isEqualTo("image");
        assertThat(blocks.at("/1/source/type").asText()).isEqualTo("base64");
        assertThat(blocks.at("/1/source/media_type").asText()).isEqualTo("image/png");
        assertThat(blocks.at("/1/source/data").asText()).isEqualTo("iVBORw0KGgo=");
        assertThat(blocks.at("/2/source/type").asText()).isEqualTo("url");
        assertThat(blocks.at("/2/source/url").asText()).isEqualTo("https://example.com/cat.jpg");
    }

    @Test
    void tools_and_a_tool_round_trip_become_tool_use_and_tool_result_blocks() {
        Message call = new Message(Message.ASSISTANT, Content.text("Let me look."), null, List.of(
                ToolCall.function("toolu_1", "get_weather", "{\"city\":\"Paris\"}"),
                ToolCall.function("toolu_2", "get_weather", "{\"city\":\"Rome\"}")), null, null);
        ChatRequest request = new ChatRequest("claude-sonnet-4-5", List.of(
                Message.of(Message.USER, "Weather in Paris and Rome?"), call,
                new Message(Message.TOOL, Content.text("sunny"), null, null, "toolu_1", null),
                new Message(Message.TOOL, Content.text("rainy"), null, null, "toolu_2", null)),
                null, null, null, null, null, null, List.of(WEATHER), TextNode.valueOf("required"), null,
                Map.of("parallel_tool_calls", BooleanNode.FALSE));

        JsonNode body = written(request);

        assertThat(body.at("/tools/0/name").asText()).isEqualTo("get_weather");
        assertThat(body.at("/tools/0/description").asText()).isEqualTo("The weather in a city");
        assertThat(body.at("/tools/0/input_schema/type").asText()).isEqualTo("object");
        assertThat(body.at("/tool_choice/type").asText()).isEqualTo("any");
        assertThat(body.at("/tool_choice/disable_parallel_tool_use").asBoolean()).isTrue();
        assertThat(body.path("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");
        JsonNode assistant = body.at("/messages/1/content");
        assertThat(assistant.findValuesAsText("type")).containsExactly("text", "tool_use", "tool_use");
        assertThat(assistant.at("/1/id").asText()).isEqualTo("toolu_1");
        assertThat(assistant.at("/1/input/city").asText()).isEqualTo("Paris");
        JsonNode results = body.at("/messages/2/content");
        assertThat(results.findValuesAsText("type")).containsExactly("tool_result", "tool_result");
        assertThat(results.findValuesAsText("tool_use_id")).containsExactly("toolu_1", "toolu_2");
        assertThat(results.findValuesAsText("content")).containsExactly("sunny", "rainy");
    }

    @ParameterizedTest
    @CsvSource({"auto, auto", "none, none", "required, any"})
    void openai_tool_choices_become_anthropic_s(String openai, String anthropic) {
        ChatRequest request = new ChatRequest("claude-sonnet-4-5", List.of(Message.of(Message.USER, "Hi")), null,
                null, null, null, null, null, List.of(WEATHER), TextNode.valueOf(openai), null, null);

        assertThat(written(request).at("/tool_choice/type").asText()).isEqualTo(anthropic);
    }

    @Test
    void a_named_function_choice_becomes_a_tool_choice() {
        JsonNode named = JSON.createObjectNode().put("type", "function").set("function",
                JSON.createObjectNode().put("name", "get_weather"));
        ChatRequest request = new ChatRequest("claude-sonnet-4-5", List.of(Message.of(Message.USER, "Hi")), null,
                null, null, null, null, null, List.of(WEATHER), named, null, null);

        JsonNode choice = written(request).path("tool_choice");

        assertThat(choice.path("type").asText()).isEqualTo("tool");
        assertThat(choice.path("name").asText()).isEqualTo("get_weather");
    }

    @Test
    void what_anthropic_cannot_do_is_refused_with_a_400_naming_the_field() {
        Message audio = new Message(Message.USER, new Content(List.of(new ContentPart("input_audio", null, null,
                null))), null, null, null, null);
        Message badArguments = new Message(Message.ASSISTANT, null, null,
                List.of(ToolCall.function("toolu_1", "f", "not json")), null, null);

        assertThat(refusal(chat(audio)).param()).isEqualTo("messages[0].content[0].type");
        assertThat(refusal(chat(Message.of(Message.USER, "Hi"), badArguments)).param())
                .isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(refusal(chat(Message.of(Message.USER, "Hi")).withExtra(Map.of("n", IntNode.valueOf(2)))).param())
                .isEqualTo("n");
        assertThat(refusal(chat(Message.of(Message.USER, "Hi")).withExtra(Map.of("response_format",
                JSON.createObjectNode().put("type", "json_object")))).param()).isEqualTo("response_format");
        assertThat(refusal(chat(new Message(Message.SYSTEM, new Content(List.of(ContentPart.image(
                "https://example.com/logo.png"))), null, null, null, null), Message.of(Message.USER, "Hi"))).param())
                .isEqualTo("messages[0].content");
        assertThat(refusal(chat(new Message(Message.TOOL, Content.text("x"), null, null, null, null))).param())
                .isEqualTo("messages[0].tool_call_id");
    }

    private static GatewayException refusal(ChatRequest request) {
        GatewayException refused = catchThrowableOfType(GatewayException.class, () -> written(request));
        assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(refused.status()).isEqualTo(400);
        return refused;
    }

    // -- responses --------------------------------------------------------------------------------------------------

    @Test
    void a_text_message_becomes_a_chat_completion_with_its_usage() throws Exception {
        ChatResponse response = ResponseReader.read(json("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":10,"cache_creation_input_tokens":2,"cache_read_input_tokens":5,
                          "output_tokens":3}}"""));

        assertThat(response.id()).isEqualTo("msg_1");
        assertThat(response.object()).isEqualTo("chat.completion");
        assertThat(response.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(response.text()).isEqualTo("Hello there");
        assertThat(response.choices().get(0).message().role()).isEqualTo("assistant");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("stop");
        assertThat(response.usage().promptTokens()).as("cached input counts as input").isEqualTo(17);
        assertThat(response.usage().completionTokens()).isEqualTo(3);
        assertThat(response.usage().totalTokens()).isEqualTo(20);
        assertThat(response.usage().extra().get("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void tool_use_blocks_become_tool_calls_with_their_input_as_arguments() throws Exception {
        ChatResponse response = ResponseReader.read(json("""
                {"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],
                 "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":8}}"""));

        Message message = response.choices().get(0).message();
        assertThat(message.content()).isNull();
        assertThat(message.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("toolu_1");
            assertThat(call.type()).isEqualTo("function");
            assertThat(call.function().name()).isEqualTo("get_weather");
            assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
        assertThat(response.choices().get(0).finishReason()).isEqualTo("tool_calls");
    }

    @ParameterizedTest
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "max_tokens, length", "tool_use, tool_calls",
            "refusal, content_filter", "pause_turn, stop", "model_context_window_exceeded, length"})
    void stop_reasons_become_finish_reasons(String stopReason, String finishReason) {
        assertThat(ResponseReader.finishReason(stopReason)).isEqualTo(finishReason);
    }
}
