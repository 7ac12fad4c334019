package io.portcullis.api.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One part of a message's content.
 *
 * @param type     {@code text}, {@code image_url}, or another type the gateway passes through ({@code input_audio},
 *                 {@code file}, ...) with its fields in {@code extra}
 * @param text     the text of a {@code text} part
 * @param imageUrl the image of an {@code image_url} part: a URL or a {@code data:} URI
 * @param extra    every other field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContentPart(
        @JsonProperty("type") String type,
        @JsonProperty("text") String text,
        @JsonProperty("image_url") ImageUrl imageUrl,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    public static final String TEXT = "text";
    public static final String IMAGE_URL = "image_url";

    public ContentPart {
        extra = Extras.copy(extra);
    }

    /** A text part. */
    public static ContentPart text(String text) {
        return new ContentPart(TEXT, text, null, null);
    }

    /** An image part from a URL or a {@code data:} URI. */
    public static ContentPart image(String url) {
        return new ContentPart(IMAGE_URL, null, new ImageUrl(url, null, null), null);
    }

    /** @return whether this is a text part */
    @JsonIgnore
    public boolean isTextPart() {
        return TEXT.equals(type);
    }

    /** @return a copy with other text */
    public ContentPart withText(String newText) {
        return new ContentPart(type, newText, imageUrl, extra);
    }

    /**
     * The image of an {@code image_url} part.
     *
     * @param url    an https URL or a {@code data:image/...;base64,} URI
     * @param detail {@code low}, {@code high} or {@code auto}, or {@code null}
     * @param extra  every other field
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageUrl(
            @JsonProperty("url") String url,
            @JsonProperty("detail") String detail,
            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

        public ImageUrl {
            extra = Extras.copy(extra);
        }
    }
}
