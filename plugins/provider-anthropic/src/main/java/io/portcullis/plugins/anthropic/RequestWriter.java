package io.portcullis.plugins.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.portcullis.plugins.anthropic.AnthropicProvider.JSON;

/**
 * Writes a canonical (OpenAI-shaped) chat request as the body of Anthropic's {@code POST /v1/messages}.
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages become the top-level {@code system} text;</li>
 *   <li>{@code tool} messages become {@code tool_result} blocks of a {@code user} turn, an assistant's
 *       {@code tool_calls} become {@code tool_use} blocks, and consecutive messages of one role become one turn
 *       (Anthropic wants every {@code tool_result} of a turn's calls in the next turn);</li>
 *   <li>images become {@code image} blocks: a {@code data:} URI a {@code base64} source, a URL a {@code url}
 *       source;</li>
 *   <li>{@code max_tokens}, which Anthropic requires, comes from the request or the configured default.</li>
 * </ul>
 *
 * <p>What Anthropic cannot do is refused with a 400 that names the field, rather than silently dropped when it
 * changes the answer ({@code n} above 1, a JSON {@code response_format}, audio or file parts, tools other than
 * functions). OpenAI-only knobs that do not ({@code seed}, {@code logprobs}, ...) are left out; Anthropic's own
 * ({@code top_k}, {@code thinking}) pass through.
 */
final class RequestWriter {

    /**
     * Anthropic's fields that a client (or the gateway's Anthropic ingress) may put in a request's extra fields, and
     * that OpenAI's API does not have. {@code metadata} and {@code service_tier} are not among them: OpenAI has fields
     * of those names with other values, which Anthropic would refuse.
     */
    private static final Set<String> PASSED_THROUGH = Set.of("top_k", "thinking");

    private RequestWriter() {
    }

    /**
     * @param request the canonical request; its {@code model} is the upstream's
     * @param config  the provider's configuration (for the default {@code max_tokens})
     * @param stream  whether to ask for an event stream
     * @throws GatewayException (400) when the request asks for something Anthropic's API cannot express
     */
    static ObjectNode write(ChatRequest request, AnthropicConfig config, boolean stream) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model());
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens()
                : request.maxTokens() != null ? request.maxTokens() : config.maxTokens();
        body.put("max_tokens", maxTokens);
        List<Message> messages = request.messages() == null ? List.of() : request.messages();
        List<String> system = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            if (isSystem(message)) {
                if (message.content() != null && !message.content().parts().stream()
                        .allMatch(ContentPart::isTextPart)) {
                    throw invalid("messages[" + i + "].content", "messages[" + i + "].content: Anthropic's system "
                            + "prompt is text only; move images to a user message");
                }
                system.add(message.text());
            }
        }
        if (!system.isEmpty()) {
            body.put("system", String.join("\n\n", system));
        }
        writeMessages(messages, body.putArray("messages"));
        if (request.stop() != null && !request.stop().isEmpty()) {
            ArrayNode stops = body.putArray("stop_sequences");
            request.stop().forEach(stops::add);
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            body.put("top_p", request.topP());
        }
        JsonNode n = request.extra().get("n");
        if (n != null && n.asInt(1) != 1) {
            throw invalid("n", "n: Anthropic models answer with one choice; ask for n = 1 or leave n out");
        }
        JsonNode format = request.extra().get("response_format");
        if (format != null && !format.path("type").asText("text").equals("text")) {
            throw invalid("response_format", "response_format: Anthropic models have no JSON mode; leave "
                    + "response_format out (or 'text') and ask for JSON in the prompt, or use a tool");
        }
        if (request.tools() != null && !request.tools().isEmpty()) {
            writeTools(request.tools(), body);
        }
        writeToolChoice(request, body);
        for (Map.Entry<String, JsonNode> field : request.extra().entrySet()) {
            if (PASSED_THROUGH.contains(field.getKey())) {
                body.set(field.getKey(), field.getValue());
            }
        }
        if (request.user() != null) {
            body.putObject("metadata").put("user_id", request.user());
        }
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    private static boolean isSystem(Message message) {
        return Message.SYSTEM.equals(message.role()) || "developer".equals(message.role());
    }

    private static void writeMessages(List<Message> messages, ArrayNode turns) {
        ObjectNode turn = null;
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            String where = "messages[" + i + "]";
            String role = message.role() == null ? "" : message.role();
            if (isSystem(message)) {
                continue;
            }
            String anthropicRole = switch (role) {
                case Message.USER, Message.TOOL -> "user";
                case Message.ASSISTANT -> "assistant";
                default -> throw invalid(where + ".role", where + ".role: '" + role
                        + "' is not a role Anthropic models take; use system, user, assistant or tool");
            };
            if (turn == null || !turn.path("role").asText().equals(anthropicRole)) {
                turn = turns.addObject().put("role", anthropicRole);
                turn.putArray("content");
            }
            ArrayNode blocks = (ArrayNode) turn.get("content");
            if (role.equals(Message.TOOL)) {
                blocks.add(toolResult(message, where));
                continue;
            }
            if (message.content() != null) {
                writeParts(message.content(), blocks, where);
            }
            if (message.toolCalls() != null) {
                for (int j = 0; j < message.toolCalls().size(); j++) {
                    blocks.add(toolUse(message.toolCalls().get(j), where + ".tool_calls[" + j + "]"));
                }
            }
        }
    }

    private static void writeParts(Content content, ArrayNode blocks, String where) {
        List<ContentPart> parts = content.parts();
        for (int j = 0; j < parts.size(); j++) {
            ContentPart part = parts.get(j);
            String at = where + ".content[" + j + "]";
            ObjectNode block;
            if (part.isTextPart()) {
                if (part.text() == null || part.text().isEmpty()) {
                    continue;   // Anthropic refuses empty text blocks; an empty part says nothing anyway.
                }
                block = JSON.createObjectNode().put("type", "text").put("text", part.text());
            } else if (ContentPart.IMAGE_URL.equals(part.type()) && part.imageUrl() != null
                    && part.imageUrl().url() != null) {
                block = image(part.imageUrl().url(), at);
            } else {
                throw invalid(at + ".type", at + ".type: '" + part.type()
                        + "' content is not supported by Anthropic models; send text or image_url parts");
            }
            // Anthropic's prompt caching marker, for clients that know to send it.
            JsonNode cacheControl = part.extra().get("cache_control");
            if (cacheControl != null) {
                block.set("cache_control", cacheControl);
            }
            blocks.add(block);
        }
    }

    /** An {@code image} block: a {@code data:<type>;base64,<data>} URI as a base64 source, a URL as a url source. */
    private static ObjectNode image(String url, String where) {
        ObjectNode block = JSON.createObjectNode().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring("data:".length(), comma);
            if (!header.endsWith(";base64") || comma < 0) {
                throw invalid(where + ".image_url.url", where + ".image_url.url: a data URI must be base64 "
                        + "encoded, data:image/png;base64,...");
            }
            source.put("type", "base64").put("media_type", header.substring(0, header.length() - ";base64".length()))
                    .put("data", url.substring(comma + 1));
        } else if (url.startsWith("https://") || url.startsWith("http://")) {
            source.put("type", "url").put("url", url);
        } else {
            throw invalid(where + ".image_url.url", where + ".image_url.url: expected an http(s) URL or a base64 "
                    + "data URI");
        }
        return block;
    }

    private static ObjectNode toolUse(ToolCall call, String where) {
        if (call.function() == null || call.function().name() == null) {
            throw invalid(where + ".function.name", where + ".function.name: is required");
        }
        String arguments = call.function().arguments();
        JsonNode input;
        try {
            input = arguments == null || arguments.isBlank() ? JSON.createObjectNode() : JSON.readTree(arguments);
        } catch (JsonProcessingException e) {
            input = null;
        }
        if (input == null || !input.isObject()) {
            throw invalid(where + ".function.arguments", where + ".function.arguments: must be a JSON object, "
                    + "which Anthropic requires as a tool call's input");
        }
        ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", call.id())
                .put("name", call.function().name());
        block.set("input", input);
        return block;
    }

    private static ObjectNode toolResult(Message message, String where) {
        if (message.toolCallId() == null || message.toolCallId().isBlank()) {
            throw invalid(where + ".tool_call_id", where + ".tool_call_id: is required on a tool message");
        }
        ObjectNode block = JSON.createObjectNode().put("type", "tool_result")
                .put("tool_use_id", message.toolCallId());
        Content content = message.content();
        if (content == null || content.parts().stream().allMatch(ContentPart::isTextPart)) {
            block.put("content", message.text());
        } else {
            writeParts(content, block.putArray("content"), where);
        }
        return block;
    }

    private static void writeTools(List<Tool> tools, ObjectNode body) {
        ArrayNode declared = body.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            Tool tool = tools.get(i);
            String where = "tools[" + i + "]";
            if (!"function".equals(tool.type()) || tool.function() == null || tool.function().name() == null) {
                throw invalid(where, where + ": Anthropic models take function tools only, each with a name");
            }
            ObjectNode entry = declared.addObject().put("name", tool.function().name());
            if (tool.function().description() != null) {
                entry.put("description", tool.function().description());
            }
            JsonNode parameters = tool.function().parameters();
            // Anthropic requires a schema; OpenAI allows a function without parameters.
            entry.set("input_schema", parameters != null && parameters.isObject() ? parameters
                    : JSON.createObjectNode().put("type", "object"));
            JsonNode cacheControl = tool.extra().get("cache_control");
            if (cacheControl != null) {
                entry.set("cache_control", cacheControl);
            }
        }
    }

    /**
     * OpenAI's {@code tool_choice} and {@code parallel_tool_calls} as Anthropic's one {@code tool_choice}:
     * {@code auto}, {@code none}, {@code required} → {@code any}, a named function → {@code tool}.
     */
    private static void writeToolChoice(ChatRequest request, ObjectNode body) {
        JsonNode choice = request.toolChoice();
        JsonNode parallel = request.extra().get("parallel_tool_calls");
        boolean single = parallel != null && parallel.isBoolean() && !parallel.booleanValue();
        if ((choice == null || choice.isNull()) && !single) {
            return;
        }
        ObjectNode written = JSON.createObjectNode();
        if (choice == null || choice.isNull()) {
            written.put("type", "auto");
        } else if (choice.isTextual()) {
            switch (choice.textValue()) {
                case "auto" -> written.put("type", "auto");
                case "none" -> written.put("type", "none");
                case "required" -> written.put("type", "any");
                default -> throw invalid("tool_choice", "tool_choice: expected auto, none, required or a named "
                        + "function, not '" + choice.textValue() + "'");
            }
        } else if (choice.path("function").path("name").isTextual()) {
            written.put("type", "tool").put("name", choice.path("function").path("name").textValue());
        } else {
            throw invalid("tool_choice", "tool_choice: expected auto, none, required or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}");
        }
        if (single && !written.path("type").asText().equals("none")) {
            written.put("disable_parallel_tool_use", true);
        }
        body.set("tool_choice", written);
    }

    private static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST.status(), message, param,
                Map.of(), null);
    }
}
