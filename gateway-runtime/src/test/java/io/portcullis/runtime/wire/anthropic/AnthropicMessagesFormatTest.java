package io.portcullis.runtime.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.FunctionCall;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.ToolCall;
import io.portcullis.api.model.Usage;
import io.portcullis.runtime.wire.WireFormat;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AnthropicMessagesFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnthropicMessagesFormat format = new AnthropicMessagesFormat();

    private ChatRequest decode(String json) {
        return (ChatRequest) format.decode(json.getBytes(StandardCharsets.UTF_8)).request();
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void a_system_prompt_a_conversation_and_the_options_become_the_canonical_request() {
        ChatRequest request = decode("""
                {"model":"m","max_tokens":99,"system":"Be brief.","temperature":0.5,"top_p":0.9,"stream":true,
                 "stop_sequences":["END"],"metadata":{"user_id":"u-1"},"top_k":5,
                 "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},
                             {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""");

        assertThat(request.model()).isEqualTo("m");
        assertThat(request.maxTokens()).isEqualTo(99);
        assertThat(request.temperature()).isEqualTo(0.5);
        assertThat(request.topP()).isEqualTo(0.9);
        assertThat(request.isStreaming()).isTrue();
        assertThat(request.stop()).containsExactly("END");
        assertThat(request.user()).isEqualTo("u-1");
        assertThat(request.extra()).containsOnlyKeys("top_k");
        assertThat(request.messages()).extracting(Message::role)
                .containsExactly("system", "user", "assistant", "user");
        assertThat(request.messages()).extracting(Message::text).containsExactly("Be brief.", "hi", "hello", "ab");
    }

    @Test
    void tool_results_become_tool_messages_placed_before_the_rest_of_their_user_message() {
        ChatRequest request = decode("""
                {"model":"m","max_tokens":9,"messages":[
                  {"role":"user","content":"weather?"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                    {"type":"text","text":"Let me look."},
                    {"type":"tool_use","id":"t1","name":"get_weather","input":{"city":"Paris"}},
                    {"type":"tool_use","id":"t2","name":"get_time","input":{}}]},
                  {"role":"user","content":[{"type":"text","text":"thanks"},
                    {"type":"tool_result","tool_use_id":"t1","content":"sunny"},
                    {"type":"tool_result","tool_use_id":"t2","is_error":true,
                     "content":[{"type":"text","text":"clock broken"}]}]}]}""");

        List<Message> messages = request.messages();
        assertThat(messages).extracting(Message::role).containsExactly("user", "assistant", "tool", "tool", "user");
        Message assistant = messages.get(1);
        assertThat(assistant.text()).isEqualTo("Let me look.");
        assertThat(assistant.toolCalls()).extracting(ToolCall::id).containsExactly("t1", "t2");
        assertThat(assistant.toolCalls().get(0).function()).isEqualTo(new FunctionCall("get_weather",
                "{\"city\":\"Paris\"}"));
        assertThat(assistant.toolCalls().get(1).function().arguments()).isEqualTo("{}");
        assertThat(messages.get(2).toolCallId()).isEqualTo("t1");
        assertThat(messages.get(2).text()).isEqualTo("sunny");
        assertThat(messages.get(3).toolCallId()).isEqualTo("t2");
        assertThat(messages.get(3).text()).isEqualTo("Error: clock broken");
        assertThat(messages.get(4).text()).isEqualTo("thanks");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"auto\"}                      | \"auto\"",
            "{\"type\":\"any\"}                       | \"required\"",
            "{\"type\":\"none\"}                      | \"none\"",
            "{\"type\":\"tool\",\"name\":\"get_weather\"} | {\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}",
    })
    void tool_choice_becomes_openais(String anthropic, String canonical) throws IOException {
        ChatRequest request = decode("""
                {"model":"m","max_tokens":9,"tool_choice":%s,"messages":[{"role":"user","content":"x"}],
                 "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}]}"""
                .formatted(anthropic));

        assertThat(request.toolChoice()).isEqualTo(JSON.readTree(canonical));
        assertThat(request.tools()).singleElement().satisfies(tool -> {
            assertThat(tool.type()).isEqualTo("function");
            assertThat(tool.function().name()).isEqualTo("get_weather");
            assertThat(tool.function().description()).isEqualTo("d");
            assertThat(tool.function().parameters().path("type").asText()).isEqualTo("object");
        });
        assertThat(request.extra()).doesNotContainKey("parallel_tool_calls");
    }

    @Test
    void disabling_parallel_tool_use_turns_parallel_tool_calls_off() {
        ChatRequest request = decode("""
                {"model":"m","max_tokens":9,"tool_choice":{"type":"auto","disable_parallel_tool_use":true},
                 "tools":[{"name":"t","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"x"}]}""");

        assertThat(request.extra().get("parallel_tool_calls").asBoolean(true)).isFalse();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}                     | max_tokens: is required | max_tokens",
            "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}    | max_tokens: expected a positive integer, got 0 | max_tokens",
            "{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}  | max_tokens: expected a positive integer, got 1.5 | max_tokens",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}                                          | messages: must contain at least one message | messages",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"content\":\"x\"}]}                       | messages[0].role: expected \"user\" or \"assistant\" (it is required) | messages[0].role",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\"}]}]} | messages[0].content[0].type: a tool_result block may only be in a user message | messages[0].content[0].type",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"file\"}}]}]} | messages[0].content[0].source.type: expected \"base64\" or \"url\" | messages[0].content[0].source.type",
            "{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"w\"}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | tools[0].type: \"web_search_20250305\" tools are Anthropic's own | tools[0].type",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop_sequences\":[1]} | stop_sequences[0]: expected a string, got 1 | stop_sequences[0]",
    })
    void bad_requests_are_400s_that_name_the_field(String body, String expected, String param) {
        assertThatThrownBy(() -> decode(body)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains(expected);
            assertThat(e.param()).isEqualTo(param);
        });
    }

    @Test
    void invalid_utf8_is_a_400_that_says_so() {
        byte[] body = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"__\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        int at = new String(body, StandardCharsets.UTF_8).indexOf("__");
        body[at] = (byte) 0xff;

        assertThatThrownBy(() -> format.decode(body)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.getMessage()).containsIgnoringCase("UTF-8"));
    }

    @Test
    void a_complete_answer_with_text_and_a_tool_call_is_an_anthropic_message() {
        Message assistant = new Message("assistant", Content.text("Checking."), null,
                List.of(ToolCall.function("call_1", "get_weather", "{\"city\":\"Paris\"}")), null, null);
        ChatResponse response = new ChatResponse("chatcmpl-1", ChatResponse.OBJECT, 1, "public-model",
                List.of(new ChatResponse.Choice(0, assistant, "tool_calls", null)), Usage.of(12, 7), null);

        JsonNode message = json(decoded().encode(response));

        assertThat(message.path("id").asText()).isEqualTo("chatcmpl-1");
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("model").asText()).isEqualTo("public-model");
        assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(message.at("/content/0/text").asText()).isEqualTo("Checking.");
        assertThat(message.at("/content/1/type").asText()).isEqualTo("tool_use");
        assertThat(message.at("/content/1/id").asText()).isEqualTo("call_1");
        assertThat(message.at("/content/1/name").asText()).isEqualTo("get_weather");
        assertThat(message.at("/content/1/input/city").asText()).isEqualTo("Paris");
        assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(message.has("stop_sequence")).isTrue();
        assertThat(message.at("/usage/input_tokens").asInt()).isEqualTo(12);
        assertThat(message.at("/usage/output_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void tool_arguments_that_are_not_a_json_object_are_the_upstreams_fault() {
        Message assistant = new Message("assistant", null, null,
                List.of(ToolCall.function("call_1", "f", "not json")), null, null);
        ChatResponse response = new ChatResponse("c", ChatResponse.OBJECT, 1, "m",
                List.of(new ChatResponse.Choice(0, assistant, "tool_calls", null)), null, null);

        assertThatThrownBy(() -> decoded().encode(response)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"stop, end_turn", "length, max_tokens", "tool_calls, tool_use", "content_filter, refusal",
            "stop_sequence, stop_sequence", "something_new, end_turn"})
    void finish_reasons_become_anthropics_stop_reasons(String finishReason, String stopReason) {
        assertThat(AnthropicMessagesFormat.stopReason(finishReason)).isEqualTo(stopReason);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"400, invalid_request_error", "401, authentication_error", "403, permission_error",
            "404, not_found_error", "413, request_too_large", "429, rate_limit_error", "500, api_error",
            "502, api_error", "503, api_error", "504, timeout_error"})
    void errors_carry_anthropics_type_for_their_status(int status, String type) {
        GatewayException error = new GatewayException(ErrorCode.INTERNAL, status, "what went wrong", null, Map.of(),
                null);

        JsonNode body = json(format.errorBody(error, "req-1"));

        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo(type);
        assertThat(body.at("/error/message").asText()).isEqualTo("what went wrong");
        assertThat(body.path("request_id").asText()).isEqualTo("req-1");
    }

    @Test
    void a_stream_of_text_then_a_tool_call_becomes_two_blocks_with_the_usage_that_came_after_the_finish() {
        WireFormat.StreamEncoder events = decoded().stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta("assistant", "", null, null), null, null)));
        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta(null, "Let me ", null, null), null, null)));
        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta(null, "look.", null, null), null, null)));
        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta(null, null, List.of(new ChatChunk.ToolCallDelta(0,
                "call_1", "function", new FunctionCall("get_weather", ""))), null), null, null)));
        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta(null, null, List.of(new ChatChunk.ToolCallDelta(0,
                null, null, new FunctionCall(null, "{\"city\":"))), null), null, null)));
        out.writeBytes(events.chunk(chunk(new ChatChunk.Delta(null, null, List.of(new ChatChunk.ToolCallDelta(0,
                null, null, new FunctionCall(null, "\"Paris\"}"))), null), "tool_calls", null)));
        out.writeBytes(events.chunk(new ChatChunk("c1", ChatChunk.OBJECT, 1, "m", List.of(), Usage.of(20, 9),
                null)));
        out.writeBytes(events.end());

        List<String[]> sse = parse(out.toString(StandardCharsets.UTF_8));
        assertThat(sse).extracting(e -> e[0]).containsExactly("message_start", "content_block_start", "ping",
                "content_block_delta", "content_block_delta", "content_block_stop", "content_block_start",
                "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(data(sse, 0).at("/message/id").asText()).isEqualTo("c1");
        assertThat(data(sse, 1).at("/content_block/type").asText()).isEqualTo("text");
        assertThat(data(sse, 3).at("/delta/text").asText()).isEqualTo("Let me ");
        assertThat(data(sse, 6).path("index").asInt()).isEqualTo(1);
        assertThat(data(sse, 6).at("/content_block/type").asText()).isEqualTo("tool_use");
        assertThat(data(sse, 6).at("/content_block/id").asText()).isEqualTo("call_1");
        assertThat(data(sse, 6).at("/content_block/name").asText()).isEqualTo("get_weather");
        assertThat(data(sse, 7).at("/delta/type").asText()).isEqualTo("input_json_delta");
        assertThat(data(sse, 7).at("/delta/partial_json").asText() + data(sse, 8).at("/delta/partial_json").asText())
                .isEqualTo("{\"city\":\"Paris\"}");
        assertThat(data(sse, 9).path("index").asInt()).isEqualTo(1);
        assertThat(data(sse, 10).at("/delta/stop_reason").asText()).isEqualTo("tool_use");
        assertThat(data(sse, 10).at("/usage/input_tokens").asInt()).isEqualTo(20);
        assertThat(data(sse, 10).at("/usage/output_tokens").asInt()).isEqualTo(9);
    }

    @Test
    void a_stream_that_ends_without_chunks_is_still_a_whole_anthropic_message() {
        List<String[]> sse = parse(new String(decoded().stream().end(), StandardCharsets.UTF_8));

        assertThat(sse).extracting(e -> e[0]).containsExactly("message_start", "message_delta", "message_stop");
        assertThat(data(sse, 0).at("/message/id").asText()).startsWith("msg_");
    }

    @Test
    void a_failure_after_the_start_is_an_error_event() {
        WireFormat.StreamEncoder events = decoded().stream();
        events.chunk(chunk(new ChatChunk.Delta(null, "partial", null, null), null, null));

        List<String[]> sse = parse(new String(events.fail(new GatewayException(ErrorCode.UPSTREAM_ERROR,
                "the upstream broke off")), StandardCharsets.UTF_8));

        assertThat(sse).extracting(e -> e[0]).containsExactly("error");
        assertThat(data(sse, 0).at("/error/type").asText()).isEqualTo("api_error");
        assertThat(data(sse, 0).at("/error/message").asText()).isEqualTo("the upstream broke off");
    }

    private WireFormat.Decoded decoded() {
        return format.decode("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
                .getBytes(StandardCharsets.UTF_8));
    }

    private static ChatChunk chunk(ChatChunk.Delta delta, String finishReason, Usage usage) {
        return new ChatChunk("c1", ChatChunk.OBJECT, 1, "m", List.of(new ChatChunk.Choice(0, delta, finishReason,
                null)), usage, null);
    }

    /** Each event as {name, data}; fails on anything that is not {@code event:} then {@code data:}. */
    private static List<String[]> parse(String sse) {
        List<String[]> events = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (!block.isEmpty()) {
                String[] lines = block.split("\n");
                assertThat(lines).hasSize(2);
                assertThat(lines[0]).startsWith("event: ");
                assertThat(lines[1]).startsWith("data: ");
                events.add(new String[] {lines[0].substring(7), lines[1].substring(6)});
            }
        }
        assertThat(sse).endsWith("\n\n");
        return events;
    }

    private static JsonNode data(List<String[]> events, int index) {
        return json(events.get(index)[1].getBytes(StandardCharsets.UTF_8));
    }
}
