package io.portcullis.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.portcullis.testkit.SimulatorServer.pieces;
import static io.portcullis.testkit.SimulatorServer.tokens;

/**
 * A stand-in for Anthropic's Messages API that speaks its wire format: a real Jetty server on {@code 127.0.0.1} and
 * an ephemeral port, for testing anything that calls Anthropic (a provider plugin, a gateway route).
 *
 * <p>It serves {@code POST /v1/messages} (a {@code message} object, or with {@code "stream": true} the documented
 * event sequence {@code message_start}, {@code content_block_start}, {@code ping}, {@code content_block_delta}
 * ({@code text_delta}, {@code input_json_delta}), {@code content_block_stop}, {@code message_delta},
 * {@code message_stop}) and {@code GET /v1/models}. It validates requests the way Anthropic does where a client is
 * most likely to go wrong (the {@code anthropic-version} header, a missing {@code max_tokens}, a {@code system}
 * role among the messages, a {@code tool_use} without its {@code tool_result} right after it, empty text blocks, a
 * temperature above 1) and answers with Anthropic's error object, {@code {"type": "error", "error": {"type",
 * "message"}}}.
 *
 * <p>By default the assistant echoes the last user turn's text (or tool result), {@code "echo: <text>"}, with a
 * plausible usage. Each test scripts what it needs with {@link Script}: an error (each of Anthropic's error types,
 * 529 {@code overloaded_error} included), tool calls, another stop reason, a hang, a slow stream, a stream that
 * breaks, resets or sends an {@code error} event after some deltas. Every request is recorded for assertions.
 *
 * <pre>{@code
 * try (AnthropicSimulator anthropic = AnthropicSimulator.start()) {
 *     anthropic.scriptNext(Script.error(529, "Overloaded"));
 *     anthropic.script(Script.toolUse("get_weather", "{\"city\":\"Paris\"}").inChunks(4));
 *     // ... call anthropic.baseUrl() + "/v1/messages" ...
 *     assertThat(anthropic.lastRequest().header("x-api-key")).isEqualTo("sk-ant-test");
 * }
 * }</pre>
 *
 * <p>Thread-safe: requests are served concurrently, each on its own virtual thread.
 */
public final class AnthropicSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DEFAULT_MODELS = List.of("claude-sonnet-4-5", "claude-haiku-4-5");
    /** The same {@code created_at} for every model entry, as Anthropic's list has fixed dates. */
    private static final String MODELS_CREATED_AT = "2025-09-29T00:00:00Z";

    private final SimulatorServer server;
    private final ScriptBook<Script> book = new ScriptBook<>("Anthropic", Script.echo());
    private volatile List<String> models = DEFAULT_MODELS;
    private volatile String requiredApiKey;
    private final AtomicInteger closedEarly = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();

    private AnthropicSimulator() {
        server = new SimulatorServer("Anthropic", closedEarly::incrementAndGet,
                (request, response, exchange) -> new Answer(request, response, exchange).run());
    }

    /** Starts a simulator on {@code 127.0.0.1} and a free port. */
    public static AnthropicSimulator start() {
        return new AnthropicSimulator();
    }

    /**
     * @return the base URL clients are configured with, {@code http://127.0.0.1:<port>}: like Anthropic's
     *         {@code https://api.anthropic.com}, without the {@code /v1} that every path starts with
     */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** @return the port the simulator listens on */
    public int port() {
        return server.port();
    }

    /** Scripts every following request, until {@link #reset()} or another call. */
    public AnthropicSimulator script(Script script) {
        book.script(script);
        return this;
    }

    /** Scripts the next request only; several calls script the next requests in order. */
    public AnthropicSimulator scriptNext(Script script) {
        book.scriptNext(script);
        return this;
    }

    /** Sets the models {@code GET /v1/models} lists (by default claude-sonnet-4-5 and claude-haiku-4-5). */
    public AnthropicSimulator models(String... ids) {
        models = List.of(ids);
        return this;
    }

    /**
     * Makes every request need {@code x-api-key: <apiKey>} (or {@code Authorization: Bearer <apiKey>}), answering 401
     * {@code authentication_error} as Anthropic does otherwise; {@code null} accepts any key (the default). A request
     * without any key is refused either way.
     */
    public AnthropicSimulator requireApiKey(String apiKey) {
        requiredApiKey = apiKey;
        return this;
    }

    /** Forgets scripts, recorded requests, counters and the required key; the models list stays. */
    public AnthropicSimulator reset() {
        book.reset();
        requiredApiKey = null;
        closedEarly.set(0);
        return this;
    }

    /** @return every request received so far, oldest first */
    public List<RecordedRequest> requests() {
        return book.requests();
    }

    /** @return the latest request received */
    public RecordedRequest lastRequest() {
        return book.lastRequest();
    }

    /**
     * @return how many connections clients have opened to the simulator so far, never reset: a client that keeps its
     *         connections alive opens one for many sequential requests, streams included
     */
    public int connectionsOpened() {
        return server.connectionsOpened();
    }

    /** @return the requests being answered right now, hanging ones included */
    public int inFlight() {
        return server.inFlight();
    }

    /** @return how many responses (streams, hangs, slow answers) the client closed before they were finished */
    public int closedEarly() {
        return closedEarly.get();
    }

    /** Stops the server; hanging requests end and their connections close. */
    @Override
    public void close() {
        server.stop();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Serving

    /** What one request gets. */
    private final class Answer {
        private final Request request;
        private final Response response;
        private final SimulatedExchange exchange;

        Answer(Request request, Response response, SimulatedExchange exchange) {
            this.request = request;
            this.response = response;
            this.exchange = exchange;
        }

        void run() throws Exception {
            RecordedRequest recorded = book.record(request);
            Script script = book.take();

            String route = request.getMethod() + " " + recorded.path();
            if (!route.equals("POST /v1/messages") && !route.equals("GET /v1/models")) {
                sendError(404, new ErrorBody("not_found_error", "Not Found"), Map.of());
                return;
            }
            // Anthropic takes the key as x-api-key, or as a bearer token (what the Java SDK 3.x sends).
            String bearer = recorded.header("authorization");
            String key = recorded.header("x-api-key") != null ? recorded.header("x-api-key")
                    : bearer != null && bearer.startsWith("Bearer ") ? bearer.substring("Bearer ".length()) : null;
            if (key == null) {
                sendError(401, new ErrorBody("authentication_error", "x-api-key header is required"), Map.of());
                return;
            }
            if (requiredApiKey != null && !requiredApiKey.equals(key)) {
                sendError(401, new ErrorBody("authentication_error", "invalid x-api-key"), Map.of());
                return;
            }
            if (recorded.header("anthropic-version") == null) {
                sendError(400, new ErrorBody("invalid_request_error", "anthropic-version: header is required"),
                        Map.of());
                return;
            }
            if (script.fault() == Script.Fault.HANG) {
                exchange.hangUntilGone();
            }
            if (script.status() >= 400) {
                exchange.pause(script.delay());
                sendError(script.status(), script.error(), script.headers());
                return;
            }
            if (route.equals("GET /v1/models")) {
                answer(modelList(), script);
                return;
            }
            ErrorBody invalid = validate(recorded.body());
            if (invalid != null) {
                sendError(400, invalid, Map.of());
                return;
            }
            Reply reply = new Reply("msg_sim" + ids.incrementAndGet(), recorded.body(), script);
            if (recorded.body().path("stream").asBoolean(false)) {
                stream(reply);
            } else {
                answer(reply.whole(), script);
            }
        }

        private void stream(Reply reply) throws Exception {
            Script script = reply.script();
            exchange.watch();
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "text/event-stream; charset=utf-8");
            response.getHeaders().put("Cache-Control", "no-cache");
            putCommonHeaders(script.headers());
            int deltas = 0;
            for (Event event : reply.events()) {
                boolean delta = event.type().equals("content_block_delta");
                // A fault comes after faultAfter deltas, or before the end when the stream has fewer.
                boolean faultPoint = delta ? deltas++ == script.faultAfter() : event.type().equals("message_delta");
                if (faultPoint && fault(script)) {
                    return;
                }
                if (delta) {
                    exchange.pause(script.delay());
                }
                exchange.write(event.sse(), event.type().equals("message_stop"));
            }
        }

        /**
         * Applies a script's mid-body fault: hangs or resets (both end the exchange with {@link
         * SimulatedExchange.Ended}), or ends a stream with an {@code error} event.
         *
         * @return whether the answer is over (an error event was sent)
         */
        private boolean fault(Script script) throws Exception {
            switch (script.fault()) {
                case HANG_MID_BODY -> exchange.hangUntilGone();
                case RESET_MID_BODY -> exchange.reset();
                case ERROR_EVENT -> {
                    exchange.write(new Event("error", errorObject(script.error())).sse(), true);
                    return true;
                }
                default -> {
                }
            }
            return false;
        }

        /** Sends a whole JSON answer; a mid-body fault sends half of it first. */
        private void answer(JsonNode answer, Script script) throws Exception {
            if (!script.delay().isZero() || script.fault() != Script.Fault.NONE) {
                exchange.watch();
            }
            exchange.pause(script.delay());
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "application/json");
            putCommonHeaders(script.headers());
            byte[] bytes = JSON.writeValueAsBytes(answer);
            if (script.fault() == Script.Fault.HANG_MID_BODY || script.fault() == Script.Fault.RESET_MID_BODY) {
                exchange.write(new String(bytes, 0, bytes.length / 2, StandardCharsets.UTF_8), false);
                fault(script);
            }
            exchange.write(new String(bytes, StandardCharsets.UTF_8), true);
        }

        private void sendError(int status, ErrorBody error, Map<String, String> headers) throws Exception {
            response.setStatus(status);
            response.getHeaders().put("Content-Type", "application/json");
            putCommonHeaders(headers);
            exchange.write(JSON.writeValueAsString(errorObject(error)), true);
        }

        private ObjectNode errorObject(ErrorBody error) {
            ObjectNode body = JSON.createObjectNode().put("type", "error");
            body.putObject("error").put("type", error.type()).put("message", error.message());
            return body.put("request_id", "req_sim" + ids.incrementAndGet());
        }

        private void putCommonHeaders(Map<String, String> scripted) {
            response.getHeaders().put("request-id", "req_sim" + ids.incrementAndGet());
            response.getHeaders().put("anthropic-organization-id", "org-simulator");
            scripted.forEach(response.getHeaders()::put);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Validation, as Anthropic words it

    private static ErrorBody validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return invalid("There was an error parsing the body of your request.");
        }
        if (!body.path("model").isTextual()) {
            return invalid("model: Field required");
        }
        if (!body.path("max_tokens").isIntegralNumber()) {
            return invalid("max_tokens: Field required");
        }
        if (body.path("temperature").isNumber() && body.path("temperature").asDouble() > 1) {
            return invalid("temperature: Input should be less than or equal to 1");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            return invalid("messages: Field required");
        }
        if (messages.isEmpty()) {
            return invalid("messages: at least one message is required");
        }
        Set<String> unanswered = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                return invalid("messages." + i + ".role: Input should be 'user' or 'assistant'"
                        + (role.equals("system") ? "; the Messages API accepts a top-level `system` parameter, not "
                        + "\"system\" as an input message role" : ""));
            }
            Set<String> answered = new HashSet<>();
            Set<String> called = new HashSet<>();
            JsonNode content = message.get("content");
            if (content == null || !(content.isTextual() || content.isArray())) {
                return invalid("messages." + i + ".content: Field required");
            }
            if (content.isTextual() && content.asText().isEmpty() || content.isArray() && content.isEmpty()) {
                return invalid("messages." + i + ": all messages must have non-empty content except for the "
                        + "optional final assistant message");
            }
            for (JsonNode block : content.isArray() ? content : JSON.createArrayNode()) {
                switch (block.path("type").asText()) {
                    case "text" -> {
                        if (block.path("text").asText("").isEmpty()) {
                            return invalid("messages: text content blocks must be non-empty");
                        }
                    }
                    case "tool_use" -> called.add(block.path("id").asText());
                    case "tool_result" -> {
                        String id = block.path("tool_use_id").asText();
                        if (!unanswered.contains(id)) {
                            return invalid("messages." + i + ".content: unexpected `tool_use_id` found in "
                                    + "`tool_result` blocks: " + id + ". Each `tool_result` block must have a "
                                    + "corresponding `tool_use` block in the previous message.");
                        }
                        answered.add(id);
                    }
                    case "image" -> {
                        String source = block.path("source").path("type").asText();
                        if (!source.equals("base64") && !source.equals("url")) {
                            return invalid("messages." + i + ".content: image source type must be 'base64' or "
                                    + "'url'");
                        }
                    }
                    default -> {
                        // Documents, thinking blocks and the rest: accepted as they are.
                    }
                }
            }
            unanswered.removeAll(answered);
            if (!unanswered.isEmpty()) {
                return invalid("messages." + (i - 1) + ": `tool_use` ids were found without `tool_result` blocks "
                        + "immediately after: " + String.join(", ", unanswered) + ". Each `tool_use` block must "
                        + "have a corresponding `tool_result` block in the next message.");
            }
            unanswered = called;
        }
        return null;
    }

    private static ErrorBody invalid(String message) {
        return new ErrorBody("invalid_request_error", message);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the answers are made of

    private ObjectNode modelList() {
        ObjectNode list = JSON.createObjectNode();
        ArrayNode data = list.putArray("data");
        models.forEach(id -> data.addObject().put("type", "model").put("id", id).put("display_name", id)
                .put("created_at", MODELS_CREATED_AT));
        list.put("has_more", false);
        list.put("first_id", models.isEmpty() ? null : models.getFirst());
        list.put("last_id", models.isEmpty() ? null : models.getLast());
        return list;
    }

    /** The text of a content: a string, or its text blocks and the text of its tool results. */
    private static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if (block.path("type").asText().equals("tool_result")) {
                text.append(textOf(block.get("content")));
            } else {
                text.append(block.path("text").asText(""));
            }
        }
        return text.toString();
    }

    /** One server-sent event: {@code event: <type>} and its JSON. */
    private record Event(String type, JsonNode data) {
        String sse() throws JsonProcessingException {
            return "event: " + type + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
        }
    }

    /** The answer to one messages request, whole or as events. */
    private record Reply(String id, JsonNode request, Script script) {

        String text() {
            if (script.text() != null) {
                return script.text();
            }
            if (!script.toolUses().isEmpty()) {
                return "";
            }
            JsonNode messages = request.get("messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).path("role").asText().equals("user")) {
                    return "echo: " + textOf(messages.get(i).get("content"));
                }
            }
            return "echo: ";
        }

        String stopReason() {
            if (script.stopReason() != null) {
                return script.stopReason();
            }
            return script.toolUses().isEmpty() ? "end_turn" : "tool_use";
        }

        int inputTokens() {
            int tokens = tokens(textOf(request.get("system")));
            for (JsonNode message : request.get("messages")) {
                tokens += 3 + tokens(textOf(message.get("content")));
            }
            return tokens;
        }

        int outputTokens() {
            int tokens = tokens(text());
            for (Script.ToolUse use : script.toolUses()) {
                tokens += tokens(use.name()) + tokens(use.input());
            }
            return tokens;
        }

        ObjectNode message(ArrayNode content, String stopReason, ObjectNode usage) {
            ObjectNode message = JSON.createObjectNode().put("id", id).put("type", "message")
                    .put("role", "assistant").put("model", request.get("model").asText());
            message.set("content", content);
            message.put("stop_reason", stopReason);
            message.put("stop_sequence", "stop_sequence".equals(stopReason) ? script.stopSequence() : null);
            message.set("usage", usage);
            return message;
        }

        ObjectNode usage(int outputTokens) {
            return JSON.createObjectNode().put("input_tokens", inputTokens())
                    .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0)
                    .put("output_tokens", outputTokens).put("service_tier", "standard");
        }

        ObjectNode whole() {
            ArrayNode content = JSON.createArrayNode();
            if (!text().isEmpty()) {
                content.addObject().put("type", "text").put("text", text());
            }
            for (Script.ToolUse use : script.toolUses()) {
                content.addObject().put("type", "tool_use").put("id", use.id()).put("name", use.name())
                        .set("input", use.inputJson());
            }
            return message(content, stopReason(), usage(outputTokens()));
        }

        /** The documented sequence: message_start, a ping, each block's start, deltas and stop, then the end. */
        List<Event> events() {
            List<Event> events = new ArrayList<>();
            events.add(new Event("message_start", JSON.createObjectNode().put("type", "message_start")
                    .set("message", message(JSON.createArrayNode(), null, usage(1)))));
            events.add(new Event("ping", JSON.createObjectNode().put("type", "ping")));
            int index = 0;
            if (!text().isEmpty()) {
                ObjectNode block = JSON.createObjectNode().put("type", "text").put("text", "");
                events.add(blockStart(index, block));
                for (String piece : pieces(text(), script.chunks())) {
                    events.add(delta(index, JSON.createObjectNode().put("type", "text_delta").put("text", piece)));
                }
                events.add(blockStop(index++));
            }
            for (Script.ToolUse use : script.toolUses()) {
                ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", use.id())
                        .put("name", use.name());
                block.putObject("input");
                events.add(blockStart(index, block));
                for (String piece : pieces(use.input(), script.chunks() > 0 ? script.chunks() : 3)) {
                    events.add(delta(index, JSON.createObjectNode().put("type", "input_json_delta")
                            .put("partial_json", piece)));
                }
                events.add(blockStop(index++));
            }
            ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
            messageDelta.putObject("delta").put("stop_reason", stopReason())
                    .put("stop_sequence", "stop_sequence".equals(stopReason()) ? script.stopSequence() : null);
            messageDelta.putObject("usage").put("output_tokens", outputTokens());
            events.add(new Event("message_delta", messageDelta));
            events.add(new Event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
            return events;
        }

        private static Event blockStart(int index, ObjectNode block) {
            ObjectNode start = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            start.set("content_block", block);
            return new Event("content_block_start", start);
        }

        private static Event delta(int index, ObjectNode delta) {
            ObjectNode event = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            event.set("delta", delta);
            return new Event("content_block_delta", event);
        }

        private static Event blockStop(int index) {
            return new Event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop")
                    .put("index", index));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Public records

    /**
     * Anthropic's error object: {@code {"type": "error", "error": {"type", "message"}}}.
     *
     * @param type    {@code invalid_request_error}, {@code authentication_error}, {@code permission_error},
     *                {@code not_found_error}, {@code request_too_large}, {@code rate_limit_error},
     *                {@code api_error}, {@code overloaded_error}, ...
     * @param message what went wrong
     */
    public record ErrorBody(String type, String message) {

        /** @return the error type Anthropic documents for an HTTP status */
        public static String typeFor(int status) {
            return switch (status) {
                case 400 -> "invalid_request_error";
                case 401 -> "authentication_error";
                case 402 -> "billing_error";
                case 403 -> "permission_error";
                case 404 -> "not_found_error";
                case 413 -> "request_too_large";
                case 429 -> "rate_limit_error";
                case 504 -> "timeout_error";
                case 529 -> "overloaded_error";
                default -> status >= 500 ? "api_error" : "invalid_request_error";
            };
        }
    }

    /**
     * How the simulator answers a request. Start from a factory ({@link #echo()}, {@link #reply}, {@link #toolUse},
     * {@link #error}, {@link #hang()}) and refine with the {@code with...}, {@code inChunks}, {@code ...AfterChunks}
     * methods.
     *
     * @param status       the HTTP status: 200, or an error status sent with {@code error}
     * @param error        the error for an error status or an {@code error} event, else {@code null}
     * @param text         the assistant's text, or {@code null} to echo the last user turn (no text when the
     *                     assistant calls tools)
     * @param toolUses     the tools the assistant calls; empty for a text answer
     * @param stopReason   the stop reason, or {@code null} for {@code end_turn} ({@code tool_use} with tool calls)
     * @param stopSequence the stop sequence reported with stop reason {@code stop_sequence}
     * @param headers      extra response headers ({@code retry-after}, ...)
     * @param chunks       into how many deltas a stream cuts the text (and each call's input); 0 cuts text into
     *                     words and input into three
     * @param delay        the pause before an answer and before each delta of a stream
     * @param fault        what goes wrong
     * @param faultAfter   how many deltas a stream sends before a mid-body fault
     */
    public record Script(int status, ErrorBody error, String text, List<ToolUse> toolUses, String stopReason,
                         String stopSequence, Map<String, String> headers, int chunks, Duration delay, Fault fault,
                         int faultAfter) {

        /** What goes wrong with an answer. */
        public enum Fault {
            /** Nothing. */
            NONE,
            /** No answer at all, not even the headers, until the client closes the connection. */
            HANG,
            /** The headers and part of the body, then silence until the client closes the connection. */
            HANG_MID_BODY,
            /** The headers and part of the body, then a TCP reset. */
            RESET_MID_BODY,
            /** Part of a stream, then an {@code error} event (Anthropic's way of failing after the status 200). */
            ERROR_EVENT
        }

        /**
         * A tool the assistant calls.
         *
         * @param id    the call's id, which the {@code tool_result} answering it must repeat
         * @param name  the tool's name
         * @param input the input, a JSON object as a string
         */
        public record ToolUse(String id, String name, String input) {
            JsonNode inputJson() {
                try {
                    return JSON.readTree(input);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("a tool_use input must be a JSON object: " + input, e);
                }
            }
        }

        public Script {
            toolUses = List.copyOf(toolUses);
            headers = Map.copyOf(headers);
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(fault, "fault");
            if ((status >= 400 || fault == Fault.ERROR_EVENT) && error == null) {
                throw new IllegalArgumentException("an error status or event needs an error body");
            }
            if (chunks < 0 || faultAfter < 0 || delay.isNegative()) {
                throw new IllegalArgumentException("chunks, faultAfter and delay must not be negative");
            }
        }

        /** The default: echo the last user turn. */
        public static Script echo() {
            return new Script(200, null, null, List.of(), null, null, Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Answer with this text. */
        public static Script reply(String text) {
            return echo().withText(Objects.requireNonNull(text, "text"));
        }

        /** Call one tool (stop reason {@code tool_use}); the call's id is {@code toolu_<name>}. */
        public static Script toolUse(String name, String inputJson) {
            return toolUses(new ToolUse("toolu_" + name, name, inputJson));
        }

        /** Call several tools in parallel. */
        public static Script toolUses(ToolUse... uses) {
            for (ToolUse use : uses) {
                use.inputJson();
            }
            return new Script(200, null, null, List.of(uses), null, null, Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Answer with an error status and the error type Anthropic documents for it (529: overloaded_error). */
        public static Script error(int status, String message) {
            return error(status, new ErrorBody(ErrorBody.typeFor(status), message));
        }

        /** Answer with an error status and this error object. */
        public static Script error(int status, ErrorBody error) {
            if (status < 400) {
                throw new IllegalArgumentException("an error status is 400 or more, not " + status);
            }
            return new Script(status, error, null, List.of(), null, null, Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Never answer, until the client closes the connection (or the simulator stops). */
        public static Script hang() {
            return echo().withFault(Fault.HANG, 0, null);
        }

        /** @return this script answering with this text (before its tool calls, if any) */
        public Script withText(String newText) {
            return new Script(status, error, newText, toolUses, stopReason, stopSequence, headers, chunks, delay,
                    fault, faultAfter);
        }

        /** @return this script ending with another stop reason: {@code max_tokens}, {@code refusal}, ... */
        public Script withStopReason(String reason) {
            return new Script(status, error, text, toolUses, reason, stopSequence, headers, chunks, delay, fault,
                    faultAfter);
        }

        /** @return this script ending on a stop sequence (stop reason {@code stop_sequence}) */
        public Script withStopSequence(String sequence) {
            return new Script(status, error, text, toolUses, "stop_sequence", sequence, headers, chunks, delay, fault,
                    faultAfter);
        }

        /** @return this script with one more response header */
        public Script withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Script(status, error, text, toolUses, stopReason, stopSequence, more, chunks, delay, fault,
                    faultAfter);
        }

        /** @return this script streaming its text (and each call's input) in {@code count} deltas */
        public Script inChunks(int count) {
            return new Script(status, error, text, toolUses, stopReason, stopSequence, headers, count, delay, fault,
                    faultAfter);
        }

        /** @return this script pausing before the answer and before each delta of a stream */
        public Script withDelay(Duration pause) {
            return new Script(status, error, text, toolUses, stopReason, stopSequence, headers, chunks, pause, fault,
                    faultAfter);
        }

        /** @return this script going silent after {@code count} deltas (or half of a JSON body) */
        public Script hangAfterChunks(int count) {
            return withFault(Fault.HANG_MID_BODY, count, error);
        }

        /** @return this script resetting the connection after {@code count} deltas (or half of a JSON body) */
        public Script resetAfterChunks(int count) {
            return withFault(Fault.RESET_MID_BODY, count, error);
        }

        /**
         * @return this script streaming {@code count} deltas, then an {@code error} event of this type (such as
         *         {@code overloaded_error}) instead of the rest
         */
        public Script errorEventAfterChunks(int count, String type, String message) {
            return withFault(Fault.ERROR_EVENT, count, new ErrorBody(type, message));
        }

        private Script withFault(Fault newFault, int after, ErrorBody newError) {
            return new Script(status, newError, text, toolUses, stopReason, stopSequence, headers, chunks, delay,
                    newFault, after);
        }
    }
}
