package io.portcullis.runtime.wire.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.Content;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;
import io.portcullis.runtime.json.Json;
import io.portcullis.runtime.json.JsonProblem;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Anthropic {@code POST /v1/messages} body into the canonical (OpenAI-shaped) request, checking it the way
 * Anthropic does where a client is most likely to go wrong, with a message that names the field.
 *
 * <p>The mapping: {@code system} (a string or text blocks) becomes the first message; a user message's
 * {@code tool_result} blocks become {@code tool} messages placed before the rest of its content (OpenAI wants the
 * answers right after the calls); an assistant's {@code tool_use} blocks become its tool calls, their {@code input}
 * the JSON arguments; images become {@code image_url} parts ({@code data:} URIs for base64 sources);
 * {@code stop_sequences} → {@code stop}; {@code metadata.user_id} → {@code user}; {@code tool_choice} {@code any} →
 * {@code required}, {@code tool} → a named function, {@code disable_parallel_tool_use} → {@code parallel_tool_calls:
 * false}. The assistant's own {@code thinking} blocks are dropped: no other upstream could take them back. Any other
 * top-level field ({@code top_k}, ...) is kept in {@code extra} and reaches the upstream as it is.
 */
final class AnthropicRequestDecoder {

    private static final Set<String> ROLES = Set.of("user", "assistant");
    private static final Set<String> DROPPED_BLOCKS = Set.of("thinking", "redacted_thinking");

    ChatRequest decode(byte[] body) {
        ObjectNode root = readObject(body);
        String model = null;
        Integer maxTokens = null;
        List<Message> system = List.of();
        List<Message> messages = null;
        Boolean stream = null;
        Double temperature = null;
        Double topP = null;
        List<String> stop = null;
        List<Tool> tools = null;
        JsonNode toolChoice = null;
        boolean parallelToolCallsOff = false;
        String user = null;
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            switch (name) {
                case "model" -> model = string(value, name);
                case "max_tokens" -> maxTokens = positiveInt(value, name);
                case "system" -> system = system(value);
                case "messages" -> messages = messages(value);
                case "stream" -> stream = value.isNull() ? null : bool(value, name);
                case "temperature" -> temperature = value.isNull() ? null : number(value, name);
                case "top_p" -> topP = value.isNull() ? null : number(value, name);
                case "stop_sequences" -> stop = value.isNull() ? null : strings(value, name);
                case "tools" -> tools = value.isNull() ? null : tools(value);
                case "tool_choice" -> {
                    if (!value.isNull()) {
                        toolChoice = toolChoice(value);
                        parallelToolCallsOff = value.path("disable_parallel_tool_use").asBoolean(false);
                    }
                }
                case "metadata" -> user = value.isNull() ? null : user(value);
                default -> extra.put(name, value);
            }
        }
        if (model == null || model.isBlank()) {
            throw invalid("model", "model: is required: the name of a model (GET /v1/models lists them)");
        }
        if (maxTokens == null) {
            throw invalid("max_tokens", "max_tokens: is required: the most tokens the answer may have");
        }
        if (messages == null) {
            throw invalid("messages", "messages: is required: a non-empty array of messages");
        }
        if (messages.isEmpty()) {
            throw invalid("messages", "messages: must contain at least one message");
        }
        if (parallelToolCallsOff && tools != null && !tools.isEmpty()) {
            extra.put("parallel_tool_calls", BooleanNode.FALSE);
        }
        List<Message> all = new ArrayList<>(system.size() + messages.size());
        all.addAll(system);
        all.addAll(messages);
        return new ChatRequest(model, all, stream, temperature, topP, maxTokens, null, stop, tools, toolChoice, user,
                extra);
    }

    private static ObjectNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid(null, JsonProblem.of(e).toString());
        } catch (IOException e) {
            throw invalid(null, "the body could not be read");
        }
        if (root == null || root.isMissingNode()) {
            throw invalid(null, "the body is empty: expected a JSON object");
        }
        if (!root.isObject()) {
            throw invalid(null, "expected a JSON object, got " + root.getNodeType().name().toLowerCase());
        }
        return (ObjectNode) root;
    }

    private static List<Message> system(JsonNode value) {
        if (value.isNull()) {
            return List.of();
        }
        if (value.isTextual()) {
            return value.textValue().isEmpty() ? List.of() : List.of(Message.of(Message.SYSTEM, value.textValue()));
        }
        if (!value.isArray()) {
            throw invalid("system", "system: expected a string or an array of text blocks, got " + kind(value));
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            String path = "system[" + i + "]";
            JsonNode block = object(value.get(i), path);
            String type = string(block.get("type"), path + ".type");
            if (!"text".equals(type)) {
                throw invalid(path + ".type", path + ".type: expected \"text\", got \"" + type + "\"");
            }
            parts.add(ContentPart.text(string(block.get("text"), path + ".text")));
        }
        return parts.isEmpty() ? List.of() : List.of(new Message(Message.SYSTEM, new Content(parts), null, null, null,
                null));
    }

    private static List<Message> messages(JsonNode value) {
        if (!value.isArray()) {
            throw invalid("messages", "messages: expected an array, got " + kind(value));
        }
        List<Message> messages = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String path = "messages[" + i + "]";
            JsonNode message = object(value.get(i), path);
            JsonNode roleNode = message.get("role");
            String role = roleNode == null || !roleNode.isTextual() ? null : roleNode.textValue();
            if (role == null || !ROLES.contains(role)) {
                throw invalid(path + ".role", path + ".role: expected \"user\" or \"assistant\""
                        + (roleNode == null ? " (it is required)" : ""));
            }
            JsonNode content = message.get("content");
            if (content == null || content.isNull()) {
                throw invalid(path + ".content", path + ".content: is required: a string or an array of content "
                        + "blocks");
            }
            if (content.isTextual()) {
                messages.add(Message.of(role, content.textValue()));
            } else if (content.isArray()) {
                blocks(role, content, path + ".content", messages);
            } else {
                throw invalid(path + ".content", path + ".content: expected a string or an array of content blocks, "
                        + "got " + kind(content));
            }
        }
        return messages;
    }

    /** Adds the message(s) that one Anthropic message with content blocks becomes. */
    private static void blocks(String role, JsonNode blocks, String path, List<Message> messages) {
        List<ContentPart> parts = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String at = path + "[" + j + "]";
            JsonNode block = object(blocks.get(j), at);
            String type = string(block.get("type"), at + ".type");
            switch (type) {
                case "text" -> parts.add(ContentPart.text(string(block.get("text"), at + ".text")));
                case "image" -> {
                    if (!"user".equals(role)) {
                        throw invalid(at + ".type", at + ".type: an image may only be in a user message");
                    }
                    parts.add(image(block, at));
                }
                case "tool_use" -> {
                    if (!"assistant".equals(role)) {
                        throw invalid(at + ".type", at + ".type: a tool_use block may only be in an assistant "
                                + "message");
                    }
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw invalid(at + ".input", at + ".input: expected an object of the tool's arguments");
                    }
                    calls.add(ToolCall.function(string(block.get("id"), at + ".id"),
                            string(block.get("name"), at + ".name"), input.toString()));
                }
                case "tool_result" -> {
                    if (!"user".equals(role)) {
                        throw invalid(at + ".type", at + ".type: a tool_result block may only be in a user message");
                    }
                    // OpenAI wants a call's answer right after the call: tool messages first, the rest after them.
                    messages.add(toolResult(block, at));
                }
                default -> {
                    if (!DROPPED_BLOCKS.contains(type)) {
                        throw invalid(at + ".type", at + ".type: \"" + type + "\" blocks are not supported by this "
                                + "gateway; expected text, image, tool_use or tool_result");
                    }
                }
            }
        }
        if (!parts.isEmpty() || !calls.isEmpty()) {
            messages.add(new Message(role, parts.isEmpty() ? null : new Content(parts), null,
                    calls.isEmpty() ? null : calls, null, null));
        }
    }

    private static Message toolResult(JsonNode block, String at) {
        String toolUseId = string(block.get("tool_use_id"), at + ".tool_use_id");
        JsonNode content = block.get("content");
        List<ContentPart> parts = new ArrayList<>();
        if (content == null || content.isNull()) {
            parts.add(ContentPart.text(""));
        } else if (content.isTextual()) {
            parts.add(ContentPart.text(content.textValue()));
        } else if (content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                String inner = at + ".content[" + k + "]";
                JsonNode part = object(content.get(k), inner);
                String type = string(part.get("type"), inner + ".type");
                switch (type) {
                    case "text" -> parts.add(ContentPart.text(string(part.get("text"), inner + ".text")));
                    case "image" -> parts.add(image(part, inner));
                    default -> throw invalid(inner + ".type", inner + ".type: expected text or image, got \""
                            + type + "\"");
                }
            }
        } else {
            throw invalid(at + ".content", at + ".content: expected a string or an array of text and image "
                    + "blocks, got " + kind(content));
        }
        if (block.path("is_error").asBoolean(false)) {
            // The canonical tool message has no error flag: say it in the text, which any model reads.
            if (!parts.isEmpty() && parts.get(0).isTextPart()) {
                parts.set(0, parts.get(0).withText("Error: " + parts.get(0).text()));
            } else {
                parts.add(0, ContentPart.text("Error:"));
            }
        }
        return new Message(Message.TOOL, new Content(parts), null, null, toolUseId, null);
    }

    private static ContentPart image(JsonNode block, String at) {
        JsonNode source = object(block.get("source"), at + ".source");
        String type = string(source.get("type"), at + ".source.type");
        return switch (type) {
            case "base64" -> ContentPart.image("data:" + string(source.get("media_type"), at + ".source.media_type")
                    + ";base64," + string(source.get("data"), at + ".source.data"));
            case "url" -> ContentPart.image(string(source.get("url"), at + ".source.url"));
            default -> throw invalid(at + ".source.type", at + ".source.type: expected \"base64\" or \"url\", got \""
                    + type + "\"");
        };
    }

    private static List<Tool> tools(JsonNode value) {
        if (!value.isArray()) {
            throw invalid("tools", "tools: expected an array, got " + kind(value));
        }
        List<Tool> tools = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = object(value.get(i), path);
            JsonNode type = tool.get("type");
            if (type != null && !type.isNull() && !"custom".equals(type.asText())) {
                throw invalid(path + ".type", path + ".type: \"" + type.asText() + "\" tools are Anthropic's own and "
                        + "not supported by this gateway; declare the tool with a name and an input_schema");
            }
            String name = string(tool.get("name"), path + ".name");
            JsonNode description = tool.get("description");
            if (description != null && !description.isNull() && !description.isTextual()) {
                throw invalid(path + ".description", path + ".description: expected a string, got "
                        + kind(description));
            }
            JsonNode schema = tool.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw invalid(path + ".input_schema", path + ".input_schema: is required: a JSON Schema object");
            }
            tools.add(new Tool("function", new Tool.Function(name,
                    description == null || description.isNull() ? null : description.textValue(), schema, null, null),
                    null));
        }
        return tools;
    }

    private static JsonNode toolChoice(JsonNode value) {
        JsonNode choice = object(value, "tool_choice");
        String type = string(choice.get("type"), "tool_choice.type");
        return switch (type) {
            case "auto" -> TextNode.valueOf("auto");
            case "any" -> TextNode.valueOf("required");
            case "none" -> TextNode.valueOf("none");
            case "tool" -> {
                ObjectNode named = JsonNodeFactory.instance.objectNode().put("type", "function");
                named.putObject("function").put("name", string(choice.get("name"), "tool_choice.name"));
                yield named;
            }
            default -> throw invalid("tool_choice.type", "tool_choice.type: expected auto, any, tool or none, got \""
                    + type + "\"");
        };
    }

    private static String user(JsonNode value) {
        JsonNode metadata = object(value, "metadata");
        JsonNode id = metadata.get("user_id");
        return id == null || id.isNull() ? null : string(id, "metadata.user_id");
    }

    private static JsonNode object(JsonNode value, String path) {
        if (value == null || !value.isObject()) {
            throw invalid(path, path + ": expected an object, got " + kind(value));
        }
        return value;
    }

    private static String string(JsonNode value, String path) {
        if (value == null || value.isNull()) {
            throw invalid(path, path + ": is required: a string");
        }
        if (!value.isTextual()) {
            throw invalid(path, path + ": expected a string, got " + kind(value));
        }
        return value.textValue();
    }

    private static List<String> strings(JsonNode value, String path) {
        if (!value.isArray()) {
            throw invalid(path, path + ": expected an array of strings, got " + kind(value));
        }
        List<String> strings = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            strings.add(string(value.get(i), path + "[" + i + "]"));
        }
        return strings;
    }

    private static int positiveInt(JsonNode value, String path) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw invalid(path, path + ": expected a positive integer, got " + kind(value));
        }
        return value.intValue();
    }

    private static double number(JsonNode value, String path) {
        if (!value.isNumber()) {
            throw invalid(path, path + ": expected a number, got " + kind(value));
        }
        return value.doubleValue();
    }

    private static boolean bool(JsonNode value, String path) {
        if (!value.isBoolean()) {
            throw invalid(path, path + ": expected true or false, got " + kind(value));
        }
        return value.booleanValue();
    }

    /** @return what a value is, for a message; its text only when it is short and not a string (which may be secret) */
    private static String kind(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        return switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> value.toString().length() <= 20 ? value.toString() : "a number";
            case BOOLEAN -> value.toString();
            case NULL -> "null";
            default -> value.getNodeType().name().toLowerCase();
        };
    }

    static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, 400, message, param, Map.of(), null);
    }
}
