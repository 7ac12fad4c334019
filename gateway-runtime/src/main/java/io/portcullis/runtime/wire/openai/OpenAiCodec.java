package io.portcullis.runtime.wire.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatChunk;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ChatResponse;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.EmbeddingResponse;
import io.portcullis.api.model.Message;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.json.JsonProblem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's wire format at the gateway's edge: request bodies into canonical records, with validation errors that
 * name the field; canonical replies into OpenAI's JSON and SSE. The canonical model is OpenAI's schema, so this is
 * mostly Jackson plus the checks a client deserves.
 */
public final class OpenAiCodec {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final byte[] DATA = "data: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ObjectMapper mapper = Json.mapper();
    private final ObjectReader chatReader = mapper.readerFor(ChatRequest.class)
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ObjectReader embeddingReader = mapper.readerFor(EmbeddingRequest.class)
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A decoded embeddings request and the encoding its vectors are to be written in. */
    public record Embeddings(EmbeddingRequest request, boolean base64) {
    }

    /** Decodes and validates a {@code POST /v1/chat/completions} body. */
    public ChatRequest decodeChat(byte[] body) {
        requireObject(body);
        ChatRequest request = read(chatReader, body);
        requireModel(request.model());
        if (request.messages() == null) {
            throw invalid("messages", "messages: is required: a non-empty array of messages");
        }
        if (request.messages().isEmpty()) {
            throw invalid("messages", "messages: must contain at least one message");
        }
        for (int i = 0; i < request.messages().size(); i++) {
            Message message = request.messages().get(i);
            if (message == null) {
                throw invalid("messages[" + i + "]", "messages[" + i + "]: expected a message object, got null");
            }
            if (message.role() == null || !ROLES.contains(message.role())) {
                throw invalid("messages[" + i + "].role", "messages[" + i + "].role: expected one of "
                        + ROLES.stream().sorted().toList() + (message.role() == null ? " (it is required)" : ""));
            }
        }
        return request;
    }

    /** Decodes and validates a {@code POST /v1/embeddings} body. */
    public Embeddings decodeEmbeddings(byte[] body) {
        requireObject(body);
        EmbeddingRequest request = read(embeddingReader, body);
        requireModel(request.model());
        if (request.input() == null || request.input().isEmpty()) {
            throw invalid("input", "input: is required: a string or a non-empty array of strings");
        }
        boolean base64 = false;
        Map<String, JsonNode> extra = request.extra();
        JsonNode format = extra.get("encoding_format");
        if (format != null) {
            if (!format.isTextual() || !Set.of("float", "base64").contains(format.textValue())) {
                throw invalid("encoding_format", "encoding_format: expected \"float\" or \"base64\"");
            }
            base64 = format.textValue().equals("base64");
            Map<String, JsonNode> rest = new HashMap<>(extra);
            rest.remove("encoding_format");
            request = new EmbeddingRequest(request.model(), request.input(), request.dimensions(), request.user(), rest);
        }
        return new Embeddings(request, base64);
    }

    /** @return whether the client asked for a usage chunk at the end of the stream */
    public static boolean wantsStreamUsage(ChatRequest request) {
        JsonNode options = request.extra().get("stream_options");
        return options != null && options.path("include_usage").asBoolean(false);
    }

    /** Encodes a complete chat response. */
    public byte[] encode(ChatResponse response) {
        try {
            return mapper.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encodes one chunk as a complete SSE event: {@code data: {...}\n\n}. */
    public byte[] encodeEvent(ChatChunk chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            out.write(DATA);
            mapper.writeValue(out, chunk);
            out.write(EVENT_END);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Encodes an error as an SSE event, for failures after the stream has started. */
    public static byte[] encodeErrorEvent(GatewayException error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(DATA);
        out.writeBytes(OpenAiErrors.body(error));
        out.writeBytes(EVENT_END);
        return out.toByteArray();
    }

    /** Encodes embeddings as OpenAI's {@code list} object, vectors as float arrays or base64 float32 LE. */
    public byte[] encode(EmbeddingResponse response, boolean base64) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            for (EmbeddingResponse.Embedding embedding : response.data()) {
                json.writeStartObject();
                json.writeStringField("object", "embedding");
                json.writeNumberField("index", embedding.index());
                json.writeFieldName("embedding");
                if (base64) {
                    ByteBuffer bytes = ByteBuffer.allocate(embedding.vector().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(embedding.vector());
                    json.writeString(Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    json.writeStartArray();
                    for (float value : embedding.vector()) {
                        json.writeNumber(value);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("model", response.model());
            if (response.usage() != null) {
                json.writeObjectFieldStart("usage");
                json.writeNumberField("prompt_tokens", response.usage().promptTokens());
                json.writeNumberField("total_tokens", response.usage().totalTokens());
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private <T> T read(ObjectReader reader, byte[] body) {
        try {
            return reader.readValue(body);
        } catch (JsonProcessingException e) {
            JsonProblem problem = JsonProblem.of(e);
            throw invalid(problem.path().isEmpty() ? null : problem.path(), problem.toString());
        } catch (IOException e) {
            throw new GatewayException(ErrorCode.INVALID_REQUEST, "the body could not be read: " + e.getMessage());
        }
    }

    private void requireObject(byte[] body) {
        int i = 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        if (i == body.length) {
            throw invalid(null, "the body is empty: expected a JSON object");
        }
        if (body[i] != '{') {
            // Let Jackson say precisely what is wrong with non-JSON; for valid JSON that is no object, say so here.
            try {
                JsonNode node = mapper.readTree(body);
                throw invalid(null, "expected a JSON object, got " + node.getNodeType().name().toLowerCase());
            } catch (JsonProcessingException e) {
                throw invalid(null, JsonProblem.of(e).toString());
            } catch (IOException e) {
                throw invalid(null, "the body could not be read");
            }
        }
    }

    private static void requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw invalid("model", "model: is required: the name of a model (GET /v1/models lists them)");
        }
    }

    private static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, 400, message, param, Map.of(), null);
    }
}
