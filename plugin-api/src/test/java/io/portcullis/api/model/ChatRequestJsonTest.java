package io.portcullis.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChatRequestJsonTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void unknown_fields_survive_a_round_trip_at_every_level() throws Exception {
        String json = """
                {"model":"gpt-4o","messages":[
                  {"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}},
                                            {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}],
                   "x_note":1},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                     "function":{"name":"f","arguments":"{\\"a\\":1}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"42"}],
                 "seed":7,"response_format":{"type":"json_object"},"stream":true,
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"},"x":true}}]}
                """;

        ChatRequest request = mapper.readValue(json, ChatRequest.class);

        assertThat(request.isStreaming()).isTrue();
        assertThat(request.extra()).containsKeys("seed", "response_format");
        assertThat(request.messages().get(0).extra()).containsKey("x_note");
        assertThat(request.messages().get(0).content().parts().get(0).extra()).containsKey("cache_control");
        assertThat(request.messages().get(1).toolCalls().get(0).function().arguments()).isEqualTo("{\"a\":1}");
        assertThat(request.lastUserText()).isEqualTo("hi");
        JsonNode original = mapper.readTree(json);
        JsonNode written = mapper.readTree(mapper.writeValueAsString(request));
        assertThat(written).isEqualTo(withoutNullContent(original));
    }

    @Test
    void a_string_content_reads_as_one_text_part_and_is_written_back_as_a_string() throws Exception {
        ChatRequest request = mapper.readValue(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"stop\":\"END\"}",
                ChatRequest.class);

        assertThat(request.messages().get(0).content().parts()).containsExactly(ContentPart.text("hello"));
        assertThat(request.stop()).containsExactly("END");
        assertThat(mapper.writeValueAsString(request))
                .isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"stop\":[\"END\"]}");
    }

    @Test
    void chunks_assemble_into_the_response_they_add_up_to() {
        ChatResponseAssembler assembler = new ChatResponseAssembler();
        assembler.add(new ChatChunk("id1", ChatChunk.OBJECT, 1, "m", List.of(new ChatChunk.Choice(0,
                new ChatChunk.Delta("assistant", "Hel", null, null), null, null)), null, null));
        assembler.add(ChatChunk.ofText("id1", 1, "m", "lo"));
        assembler.add(new ChatChunk("id1", ChatChunk.OBJECT, 1, "m", List.of(new ChatChunk.Choice(0,
                new ChatChunk.Delta(null, null, List.of(
                        new ChatChunk.ToolCallDelta(0, "c1", "function", new FunctionCall("f", "{\"a\""))), null),
                null, null)), null, null));
        assembler.add(new ChatChunk("id1", ChatChunk.OBJECT, 1, "m", List.of(new ChatChunk.Choice(0,
                new ChatChunk.Delta(null, null, List.of(
                        new ChatChunk.ToolCallDelta(0, null, null, new FunctionCall(null, ":1}"))), null),
                "tool_calls", null)), Usage.of(5, 3), null));

        ChatResponse response = assembler.build();

        assertThat(response.text()).isEqualTo("Hello");
        assertThat(response.choices().get(0).finishReason()).isEqualTo("tool_calls");
        assertThat(response.choices().get(0).message().toolCalls())
                .containsExactly(ToolCall.function("c1", "f", "{\"a\":1}"));
        assertThat(response.usage().totalTokens()).isEqualTo(8);
    }

    private static JsonNode withoutNullContent(JsonNode original) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) original.get("messages").get(1)).remove("content");
        return original;
    }
}
