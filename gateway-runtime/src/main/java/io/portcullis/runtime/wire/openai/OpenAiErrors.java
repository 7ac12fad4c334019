package io.portcullis.runtime.wire.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portcullis.api.error.GatewayException;
import io.portcullis.runtime.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writes errors as OpenAI's error object: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiErrors {

    private OpenAiErrors() {
    }

    /** @return the error object of a gateway exception, as JSON bytes */
    public static byte[] body(GatewayException error) {
        return body(error.getMessage(), error.code().type(), error.param(), error.code().wireName());
    }

    /** @return an error object, as JSON bytes */
    public static byte[] body(String message, String type, String param, String code) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = Json.mapper().getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("message", message);
            json.writeStringField("type", type);
            json.writeStringField("param", param);
            json.writeStringField("code", code);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
