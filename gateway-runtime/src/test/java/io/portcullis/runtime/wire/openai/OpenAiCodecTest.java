package io.portcullis.runtime.wire.openai;

import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.Usage;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiCodecTest {

    private final OpenAiCodec codec = new OpenAiCodec();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"messages\":[}                                 | malformed JSON at line 1, column 26: Unexpected close marker '}'",
            "[1,2]                                                            | expected a JSON object, got array",
            "{\"model\":\"m\"}                                                | messages: is required",
            "{\"model\":\"m\",\"messages\":[]}                                | messages: must contain at least one",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}           | model: is required",
            "{\"model\":\"m\",\"messages\":\"x\"}                             | messages: expected an array, got a string",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":5}]} | messages[0].content: expected a string or an array of content parts",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]} | messages[0].role: expected one of",
            "{\"model\":\"m\",\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | temperature: expected a number, got 'hot'",
            "{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | stream: expected true or false",
    })
    void bad_chat_bodies_get_a_400_that_says_what_is_wrong(String body, String expected) {
        assertThatThrownBy(() -> codec.decodeChat(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains(expected).doesNotContain("io.portcullis", "jackson");
                });
    }

    @Test
    void invalid_utf8_is_named_as_such() {
        byte[] body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"__\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        int at = new String(body, StandardCharsets.UTF_8).indexOf("__");
        body[at] = (byte) 0xff;
        body[at + 1] = (byte) 0xfe;

        assertThatThrownBy(() -> codec.decodeChat(body)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void the_field_at_fault_is_the_error_param() {
        assertThatThrownBy(() -> codec.decodeChat(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":{}}]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.param()).isEqualTo("messages[0].content"));
    }

    @Test
    void embeddings_are_written_as_base64_little_endian_floats_when_asked() {
        OpenAiCodec.Embeddings decoded = codec.decodeEmbeddings(
                "{\"model\":\"e\",\"input\":\"hi\",\"encoding_format\":\"base64\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.base64()).isTrue();
        assertThat(decoded.request().extra()).doesNotContainKey("encoding_format");
        assertThat(decoded.request().input()).containsExactly("hi");

        String json = new String(codec.encode(new EmbeddingResponse("e",
                List.of(new EmbeddingResponse.Embedding(0, new float[]{1.5f, -2f})), Usage.of(1, 0)), true),
                StandardCharsets.UTF_8);

        String encoded = json.replaceAll(".*\"embedding\":\"([^\"]+)\".*", "$1");
        ByteBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(floats.getFloat()).isEqualTo(1.5f);
        assertThat(floats.getFloat()).isEqualTo(-2f);
        assertThat(json).contains("\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}");
    }

    @Test
    void an_unknown_encoding_format_is_refused() {
        assertThatThrownBy(() -> codec.decodeEmbeddings(
                "{\"model\":\"e\",\"input\":[\"a\"],\"encoding_format\":\"int8\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("encoding_format");
    }
}
