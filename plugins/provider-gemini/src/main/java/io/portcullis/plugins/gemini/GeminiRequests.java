package io.portcullis.plugins.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.api.error.ErrorCode;
import io.portcullis.api.error.GatewayException;
import io.portcullis.api.model.ChatRequest;
import io.portcullis.api.model.ContentPart;
import io.portcullis.api.model.EmbeddingRequest;
import io.portcullis.api.model.Message;
import io.portcullis.api.model.Tool;
import io.portcullis.api.model.ToolCall;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.portcullis.plugins.gemini.GeminiProvider.JSON;

/**
 * Canonical requests to Gemini's wire format ({@code GenerateContentRequest}, {@code BatchEmbedContentsRequest}).
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages become the {@code systemInstruction}; {@code user} turns stay
 *       {@code user}, {@code assistant} turns become {@code model}.</li>
 *   <li>An assistant's tool calls become {@code functionCall} parts (arguments parsed into {@code args}); the
 *       {@code tool} messages answering them become {@code functionResponse} parts of one {@code user} turn, named
 *       after the function the call id belongs to, since Gemini matches responses to calls by name and order.</li>
 *   <li>{@code tools} become {@code functionDeclarations} whose parameters keep their JSON Schema
 *       ({@code parametersJsonSchema}, not the OpenAPI subset of {@code parameters}, which refuses keys such as
 *       {@code additionalProperties}); {@code tool_choice} becomes {@code toolConfig.functionCallingConfig}.</li>
 *   <li>Sampling fields go to {@code generationConfig}; fields Gemini has no counterpart for are dropped, since
 *       Gemini refuses unknown fields; {@code safetySettings} and {@code cachedContent} pass through as given.</li>
 * </ul>
 */
final class GeminiRequests {

    /** Gemini's own request fields that a client may send through the gateway unchanged. */
    private static final List<String> NATIVE_FIELDS = List.of("safetySettings", "cachedContent");

    private GeminiRequests() {
    }

    /** @return the {@code GenerateContentRequest} for a chat request */
    static ObjectNode generateContent(ChatRequest request) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode contents = body.putArray("contents");
        ArrayNode system = JSON.createArrayNode();
        Map<String, String> callNames = new HashMap<>();
        ArrayNode functionResponses = null;
        List<Message> messages = request.messages() == null ? List.of() : request.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            String role = message.role() == null ? "" : message.role();
            String at = "messages[" + i + "]";
            if (!role.equals(Message.TOOL)) {
                functionResponses = null;
            }
            switch (role) {
                case Message.SYSTEM, "developer" -> addParts(system, message, at);
                case Message.USER -> addTurn(contents, "user", message, at);
                case Message.ASSISTANT -> {
                    ArrayNode parts = addTurn(contents, "model", message, at);
                    for (ToolCall call : message.toolCalls() == null ? List.<ToolCall>of() : message.toolCalls()) {
                        String name = call.function() == null ? null : call.function().name();
                        if (name == null) {
                            throw invalid(at + ".tool_calls", "a tool call needs a function name");
                        }
                        callNames.put(call.id(), name);
                        parts.addObject().putObject("functionCall").put("name", name)
                                .set("args", arguments(call.function().arguments(), at + ".tool_calls"));
                    }
                    if (parts.isEmpty()) {
                        contents.remove(contents.size() - 1);
                    }
                }
                case Message.TOOL -> {
                    if (functionResponses == null) {
                        ObjectNode turn = contents.addObject().put("role", "user");
                        functionResponses = turn.putArray("parts");
                    }
                    ObjectNode response = functionResponses.addObject().putObject("functionResponse");
                    response.put("name", functionName(message.toolCallId(), callNames, at));
                    response.set("response", toolResult(message.text()));
                }
                default -> throw invalid(at + ".role", "role '" + role + "' has no counterpart in Gemini; use "
                        + "system, user, assistant or tool");
            }
        }
        if (contents.isEmpty()) {
            throw invalid("messages", "Gemini needs at least one user or assistant message");
        }
        if (!system.isEmpty()) {
            body.putObject("systemInstruction").set("parts", system);
        }
        tools(request, body);
        generationConfig(request, body);
        for (String field : NATIVE_FIELDS) {
            if (request.extra().containsKey(field)) {
                body.set(field, request.extra().get(field));
            }
        }
        return body;
    }

    /** @return the {@code BatchEmbedContentsRequest} for an embeddings request */
    static ObjectNode batchEmbedContents(EmbeddingRequest request, String model) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String text : request.input() == null ? List.<String>of() : request.input()) {
            ObjectNode item = requests.addObject().put("model", "models/" + model);
            item.putObject("content").putArray("parts").addObject().put("text", text);
            if (request.dimensions() != null) {
                item.put("outputDimensionality", request.dimensions());
            }
        }
        return body;
    }

    /**
     * The function a {@code tool} message answers: the name of the call with its id in an earlier assistant message,
     * or else the name inside one of the ids this plugin generates ({@code call_<n>_<name>}).
     */
    private static String functionName(String toolCallId, Map<String, String> callNames, String at) {
        String name = callNames.get(toolCallId);
        if (name == null && toolCallId != null && toolCallId.matches(GeminiResponses.CALL_ID_PATTERN)) {
            name = toolCallId.substring(toolCallId.indexOf('_', GeminiResponses.CALL_ID_PREFIX.length()) + 1);
        }
        if (name == null) {
            throw invalid(at + ".tool_call_id", "tool_call_id '" + toolCallId + "' answers no tool call of an earlier "
                    + "assistant message, and Gemini needs the function's name");
        }
        return name;
    }

    /** A function's result as Gemini's {@code response} object: a JSON object as it is, anything else wrapped. */
    private static JsonNode toolResult(String text) {
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (JsonProcessingException notJson) {
            value = null;
        }
        if (value != null && value.isObject()) {
            return value;
        }
        ObjectNode wrapped = JSON.createObjectNode();
        return wrapped.set("result", value == null || value.isMissingNode() ? wrapped.textNode(text) : value);
    }

    private static JsonNode arguments(String json, String at) {
        if (json == null || json.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode args = JSON.readTree(json);
            if (args.isObject()) {
                return args;
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        throw invalid(at, "a tool call's arguments must be a JSON object, as Gemini takes them");
    }

    private static ArrayNode addTurn(ArrayNode contents, String role, Message message, String at) {
        ObjectNode turn = contents.addObject().put("role", role);
        ArrayNode parts = turn.putArray("parts");
        addParts(parts, message, at);
        return parts;
    }

    private static void addParts(ArrayNode parts, Message message, String at) {
        if (message.content() == null) {
            return;
        }
        List<ContentPart> content = message.content().parts();
        for (int j = 0; j < content.size(); j++) {
            ContentPart part = content.get(j);
            String type = part.type() == null ? "" : part.type();
            switch (type) {
                case ContentPart.TEXT -> {
                    if (part.text() != null && !part.text().isEmpty()) {
                        parts.addObject().put("text", part.text());
                    }
                }
                case ContentPart.IMAGE_URL -> parts.add(image(part, at + ".content[" + j + "]"));
                default -> throw invalid(at + ".content[" + j + "].type", "content parts of type '" + type
                        + "' are not supported by the Gemini provider; use text or image_url");
            }
        }
    }

    /** A {@code data:} URI as {@code inlineData}; a URL as {@code fileData}, its type guessed from its extension. */
    private static ObjectNode image(ContentPart part, String at) {
        String url = part.imageUrl() == null ? null : part.imageUrl().url();
        if (url == null) {
            throw invalid(at + ".image_url", "an image_url part needs a url");
        }
        ObjectNode node = JSON.createObjectNode();
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw invalid(at + ".image_url.url", "a data: URI must be base64, data:image/png;base64,...");
            }
            node.putObject("inlineData").put("mimeType", header.substring(0, header.length() - ";base64".length()))
                    .put("data", url.substring(comma + 1));
            return node;
        }
        String path = url.toLowerCase(Locale.ROOT).replaceAll("[?#].*$", "");
        String mimeType = path.endsWith(".png") ? "image/png" : path.endsWith(".webp") ? "image/webp"
                : path.endsWith(".gif") ? "image/gif" : "image/jpeg";
        node.putObject("fileData").put("mimeType", mimeType).put("fileUri", url);
        return node;
    }

    private static void tools(ChatRequest request, ObjectNode body) {
        if (request.tools() != null && !request.tools().isEmpty()) {
            ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < request.tools().size(); i++) {
                Tool tool = request.tools().get(i);
                if (!"function".equals(tool.type()) || tool.function() == null) {
                    throw invalid("tools[" + i + "].type", "Gemini takes function tools only");
                }
                ObjectNode declaration = declarations.addObject().put("name", tool.function().name());
                if (tool.function().description() != null) {
                    declaration.put("description", tool.function().description());
                }
                if (tool.function().parameters() != null) {
                    declaration.set("parametersJsonSchema", tool.function().parameters());
                }
            }
        }
        JsonNode choice = request.toolChoice();
        if (choice == null || choice.isNull()) {
            return;
        }
        ObjectNode config = JSON.createObjectNode();
        if (choice.isTextual()) {
            config.put("mode", switch (choice.asText()) {
                case "none" -> "NONE";
                case "required" -> "ANY";
                case "auto" -> "AUTO";
                default -> throw invalid("tool_choice", "tool_choice must be none, auto, required or a function");
            });
        } else {
            String name = choice.path("function").path("name").asText(null);
            if (name == null) {
                throw invalid("tool_choice", "tool_choice must be none, auto, required or a function");
            }
            config.put("mode", "ANY").putArray("allowedFunctionNames").add(name);
        }
        body.putObject("toolConfig").set("functionCallingConfig", config);
    }

    private static void generationConfig(ChatRequest request, ObjectNode body) {
        ObjectNode config = JSON.createObjectNode();
        if (request.temperature() != null) {
            config.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            config.put("topP", request.topP());
        }
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens()
                : request.maxTokens();
        if (maxTokens != null) {
            config.put("maxOutputTokens", maxTokens);
        }
        if (request.stop() != null && !request.stop().isEmpty()) {
            ArrayNode stop = config.putArray("stopSequences");
            request.stop().forEach(stop::add);
        }
        Map<String, JsonNode> extra = request.extra();
        copyNumber(extra, "n", config, "candidateCount");
        copyNumber(extra, "seed", config, "seed");
        copyNumber(extra, "presence_penalty", config, "presencePenalty");
        copyNumber(extra, "frequency_penalty", config, "frequencyPenalty");
        JsonNode format = extra.get("response_format");
        if (format != null) {
            String type = format.path("type").asText();
            if (type.equals("json_object") || type.equals("json_schema")) {
                config.put("responseMimeType", "application/json");
            }
            JsonNode schema = format.path("json_schema").get("schema");
            if (type.equals("json_schema") && schema != null) {
                config.set("responseJsonSchema", schema);
            }
        }
        if (!config.isEmpty()) {
            body.set("generationConfig", config);
        }
    }

    private static void copyNumber(Map<String, JsonNode> extra, String from, ObjectNode config, String to) {
        JsonNode value = extra.get(from);
        if (value != null && value.isNumber()) {
            config.set(to, value);
        }
    }

    private static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST.status(), message, param,
                Map.of(), null);
    }
}
