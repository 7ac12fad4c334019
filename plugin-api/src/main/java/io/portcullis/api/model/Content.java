package io.portcullis.api.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A message's content: an ordered list of parts.
 *
 * <p>On the wire OpenAI accepts either a plain string or an array of parts. Both read into this record; a content
 * that is exactly one text part is written back as a plain string, which every OpenAI-compatible server accepts.
 *
 * @param parts the parts, never empty
 */
@JsonSerialize(using = Content.Writer.class)
@JsonDeserialize(using = Content.Reader.class)
public record Content(List<ContentPart> parts) {

    public Content {
        parts = List.copyOf(parts);
    }

    /** A content made of one text part. */
    public static Content text(String text) {
        return new Content(List.of(ContentPart.text(text)));
    }

    /** @return the text parts joined without separator; other parts are skipped */
    public String text() {
        if (parts.size() == 1) {
            String only = parts.get(0).text();
            return only == null ? "" : only;
        }
        return parts.stream().filter(ContentPart::isTextPart).map(ContentPart::text).collect(Collectors.joining());
    }

    /** @return whether this content is one text part and nothing else */
    public boolean isPlainText() {
        return parts.size() == 1 && parts.get(0).isTextPart() && parts.get(0).extra().isEmpty();
    }

    static final class Writer extends JsonSerializer<Content> {
        @Override
        public void serialize(Content content, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (content.isPlainText()) {
                gen.writeString(content.parts().get(0).text());
            } else {
                serializers.findValueSerializer(List.class).serialize(content.parts(), gen, serializers);
            }
        }
    }

    static final class Reader extends JsonDeserializer<Content> {
        @Override
        public Content deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (parser.currentToken() == JsonToken.VALUE_STRING) {
                return Content.text(parser.getText());
            }
            if (parser.currentToken() == JsonToken.START_ARRAY) {
                ContentPart[] parts = context.readValue(parser, ContentPart[].class);
                return new Content(List.of(parts));
            }
            return (Content) context.handleUnexpectedToken(Content.class, parser.currentToken(), parser,
                    "content must be a string or an array of content parts");
        }
    }
}
