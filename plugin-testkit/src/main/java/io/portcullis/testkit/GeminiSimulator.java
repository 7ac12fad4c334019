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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.portcullis.testkit.SimulatorServer.pieces;
import static io.portcullis.testkit.SimulatorServer.tokens;

/**
 * A stand-in for Google's Gemini API ({@code generativelanguage.googleapis.com/v1beta}) that speaks its wire format: a
 * real Jetty server on {@code 127.0.0.1} and an ephemeral port, in the style of {@link OpenAiSimulator}.
 *
 * <p>It serves {@code POST /v1beta/models/{model}:generateContent} (a {@code GenerateContentResponse}),
 * {@code :streamGenerateContent?alt=sse} (server-sent events of {@code GenerateContentResponse}s, each a piece of
 * the answer, the last with the {@code finishReason} and the whole {@code usageMetadata}; without {@code alt=sse}, a
 * JSON array of them, as Gemini does), {@code :embedContent}, {@code :batchEmbedContents} and
 * {@code GET /v1beta/models}. The key is read from {@code x-goog-api-key} (or the {@code key} query parameter), and a
 * wrong one is refused as Gemini does: 400 {@code INVALID_ARGUMENT} with reason {@code API_KEY_INVALID}. Requests are
 * validated where a translator most likely goes wrong: fields Gemini does not know (an OpenAI field leaking through)
 * are refused with Gemini's {@code Unknown name} message, as are empty {@code contents}, roles other than {@code user}
 * and {@code model}, and a function-response turn whose number of {@code functionResponse} parts differs from the
 * {@code functionCall} parts of the turn before it.
 *
 * <p>By default the model echoes the last user turn, {@code "echo: <text>"} (the JSON of each
 * {@code functionResponse.response} for a turn of function responses), with a plausible usage. {@link Script}s make it
 * call functions, stop for safety, block the prompt, or fail with Gemini's error object. Every request is recorded.
 *
 * <pre>{@code
 * try (GeminiSimulator gemini = GeminiSimulator.start().requireApiKey("AIza-test")) {
 *     gemini.scriptNext(Script.functionCall("get_weather", "{\"city\":\"Paris\"}"));
 *     // ... call gemini.baseUrl() + "/models/gemini-2.5-flash:generateContent" ...
 *     assertThat(gemini.lastRequest().body().path("contents")).hasSize(1);
 * }
 * }</pre>
 *
 * <p>Thread-safe: requests are served concurrently, each on its own virtual thread.
 */
public final class GeminiSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODEL_CALL = Pattern.compile("/v1beta/models/([^/:]+):([A-Za-z]+)");
    private static final List<String> DEFAULT_MODELS = List.of("gemini-2.5-flash", "gemini-2.5-pro",
            "gemini-embedding-001");
    /** The vector size when a request names no {@code outputDimensionality} (smaller than the real 3072, for speed). */
    private static final int DEFAULT_DIMENSIONS = 768;
    private static final Set<String> REQUEST_FIELDS = Set.of("contents", "tools", "toolConfig", "safetySettings",
            "systemInstruction", "generationConfig", "cachedContent");
    private static final Set<String> GENERATION_CONFIG_FIELDS = Set.of("stopSequences", "responseMimeType",
            "responseSchema", "responseJsonSchema", "responseModalities", "candidateCount", "maxOutputTokens",
            "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs",
            "logprobs", "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "mediaResolution");

    private final SimulatorServer server;
    private final ScriptBook<Script> book = new ScriptBook<>("Gemini", Script.echo());
    private volatile String requiredApiKey;
    private final AtomicLong ids = new AtomicLong();

    private GeminiSimulator() {
        server = new SimulatorServer("Gemini", () -> { },
                (request, response, exchange) -> new Exchange(request, response, exchange).run());
    }

    /** Starts a simulator on {@code 127.0.0.1} and a free port. */
    public static GeminiSimulator start() {
        return new GeminiSimulator();
    }

    /** @return the base URL clients are configured with, {@code http://127.0.0.1:<port>/v1beta} */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port() + "/v1beta");
    }

    /** @return the port the simulator listens on */
    public int port() {
        return server.port();
    }

    /** Scripts every following request, until {@link #reset()} or another call. */
    public GeminiSimulator script(Script script) {
        book.script(script);
        return this;
    }

    /** Scripts the next request only; several calls script the next requests in order. */
    public GeminiSimulator scriptNext(Script script) {
        book.scriptNext(script);
        return this;
    }

    /** Makes every request need this key in {@code x-goog-api-key} (or {@code ?key=}); {@code null} accepts any. */
    public GeminiSimulator requireApiKey(String apiKey) {
        requiredApiKey = apiKey;
        return this;
    }

    /** Forgets scripts, recorded requests and the required key. */
    public GeminiSimulator reset() {
        book.reset();
        requiredApiKey = null;
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

    @Override
    public void close() {
        server.stop();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Serving

    /** One request being answered. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final SimulatedExchange exchange;

        Exchange(Request request, Response response, SimulatedExchange exchange) {
            this.request = request;
            this.response = response;
            this.exchange = exchange;
        }

        void run() throws Exception {
            RecordedRequest recorded = book.record(request);
            Script script = book.take();
            Map<String, String> query = queryOf(recorded.query());

            String key = recorded.header("x-goog-api-key") != null ? recorded.header("x-goog-api-key")
                    : query.get("key");
            if (requiredApiKey != null && !requiredApiKey.equals(key)) {
                ObjectNode info = JSON.createObjectNode()
                        .put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "API_KEY_INVALID")
                        .put("domain", "googleapis.com");
                info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
                sendError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", List.of(info),
                        Map.of());
                return;
            }
            Matcher call = MODEL_CALL.matcher(recorded.path());
            boolean post = recorded.method().equals("POST");
            if (!post && recorded.path().equals("/v1beta/models")) {
                respond(modelList(), Map.of());
                return;
            }
            if (!post || !call.matches()) {
                sendError(404, "NOT_FOUND", "The requested URL " + recorded.path() + " was not found on this server.",
                        List.of(), Map.of());
                return;
            }
            if (script.status() >= 400) {
                sendError(script.status(), script.errorStatus(), script.errorMessage(), script.errorDetails(),
                        script.headers());
                return;
            }
            String model = call.group(1);
            switch (call.group(2)) {
                case "generateContent" -> generate(recorded.body(), model, script, null);
                case "streamGenerateContent" -> generate(recorded.body(), model, script, query.get("alt"));
                case "embedContent" -> embed(recorded.body(), false);
                case "batchEmbedContents" -> embed(recorded.body(), true);
                default -> sendError(404, "NOT_FOUND", "Method not found: " + call.group(2), List.of(), Map.of());
            }
        }

        private void generate(JsonNode body, String model, Script script, String alt) throws Exception {
            String invalid = validate(body);
            if (invalid != null) {
                sendError(400, "INVALID_ARGUMENT", invalid, List.of(), Map.of());
                return;
            }
            Answer answer = new Answer("sim-" + ids.incrementAndGet(), model, script, body.get("contents"));
            if (alt == null && !isStreamCall()) {
                respond(answer.whole(), script.headers());
                return;
            }
            List<ObjectNode> events = answer.events();
            if ("sse".equals(alt)) {
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "text/event-stream");
                putHeaders(script.headers());
                for (int i = 0; i < events.size(); i++) {
                    // Gemini ends its events with CRLF pairs, which every SSE reader must accept.
                    write("data: " + JSON.writeValueAsString(events.get(i)) + "\r\n\r\n", i == events.size() - 1);
                }
            } else {
                ArrayNode array = JSON.createArrayNode();
                events.forEach(array::add);
                respond(array, script.headers());
            }
        }

        private boolean isStreamCall() {
            return request.getHttpURI().getPath().endsWith(":streamGenerateContent");
        }

        private void embed(JsonNode body, boolean batch) throws Exception {
            JsonNode requested = batch ? body.path("requests") : JSON.createArrayNode().add(body);
            if (!requested.isArray() || requested.isEmpty()) {
                sendError(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified",
                        List.of(), Map.of());
                return;
            }
            ArrayNode embeddings = JSON.createArrayNode();
            for (JsonNode item : requested) {
                StringBuilder text = new StringBuilder();
                item.path("content").path("parts").forEach(part -> text.append(part.path("text").asText("")));
                float[] vector = OpenAiSimulator.embeddingOf(text.toString(),
                        item.path("outputDimensionality").asInt(DEFAULT_DIMENSIONS));
                ArrayNode values = embeddings.addObject().putArray("values");
                for (float value : vector) {
                    values.add(value);
                }
            }
            ObjectNode answer = JSON.createObjectNode();
            if (batch) {
                answer.set("embeddings", embeddings);
            } else {
                answer.set("embedding", embeddings.get(0));
            }
            respond(answer, Map.of());
        }

        private ObjectNode modelList() {
            ObjectNode list = JSON.createObjectNode();
            ArrayNode models = list.putArray("models");
            for (String id : DEFAULT_MODELS) {
                ObjectNode model = models.addObject().put("name", "models/" + id).put("version", "001")
                        .put("displayName", id).put("inputTokenLimit", 1_048_576).put("outputTokenLimit", 65_536);
                ArrayNode methods = model.putArray("supportedGenerationMethods");
                if (id.contains("embedding")) {
                    methods.add("embedContent");
                } else {
                    methods.add("generateContent").add("countTokens");
                }
            }
            return list;
        }

        private void respond(JsonNode answer, Map<String, String> headers) throws Exception {
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "application/json; charset=UTF-8");
            putHeaders(headers);
            write(JSON.writeValueAsString(answer), true);
        }

        /** Gemini's error object: {@code {"error": {"code", "message", "status", "details"}}}. */
        private void sendError(int status, String statusName, String message, List<JsonNode> details,
                               Map<String, String> headers) throws Exception {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode error = body.putObject("error").put("code", status).put("message", message)
                    .put("status", statusName);
            if (!details.isEmpty()) {
                error.putArray("details").addAll(details);
            }
            response.setStatus(status);
            response.getHeaders().put("Content-Type", "application/json; charset=UTF-8");
            putHeaders(headers);
            write(JSON.writeValueAsString(body), true);
        }

        private void putHeaders(Map<String, String> headers) {
            headers.forEach(response.getHeaders()::put);
        }

        private void write(String text, boolean last) throws SimulatedExchange.Ended {
            exchange.write(text, last);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Validation, as Gemini words it

    private static String validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return "Invalid JSON payload received. Expected an object.";
        }
        for (var fields = body.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!REQUEST_FIELDS.contains(field)) {
                return "Invalid JSON payload received. Unknown name \"" + field + "\": Cannot find field.";
            }
        }
        for (var fields = body.path("generationConfig").fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!GENERATION_CONFIG_FIELDS.contains(field)) {
                return "Invalid JSON payload received. Unknown name \"" + field + "\" at 'generation_config': "
                        + "Cannot find field.";
            }
        }
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified";
        }
        int calls = 0;
        for (JsonNode content : contents) {
            String role = content.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                return "Please use a valid role: user, model.";
            }
            int responses = 0;
            int madeCalls = 0;
            for (JsonNode part : content.path("parts")) {
                responses += part.has("functionResponse") ? 1 : 0;
                madeCalls += part.has("functionCall") ? 1 : 0;
            }
            if (responses > 0 && responses != calls) {
                return "Please ensure that the number of function response parts is equal to the number of function "
                        + "call parts of the function call turn.";
            }
            calls = madeCalls;
        }
        return null;
    }

    private static Map<String, String> queryOf(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                parameters.put(equals < 0 ? pair : pair.substring(0, equals),
                        equals < 0 ? "" : pair.substring(equals + 1));
            }
        }
        return parameters;
    }

    /** The text of a turn: its text parts, or the JSON of its function responses. */
    private static String textOf(JsonNode content) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content.path("parts")) {
            if (part.has("functionResponse")) {
                text.append(part.get("functionResponse").path("response"));
            } else {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }

    /** The answer to one generate request, whole or as events. */
    private record Answer(String id, String model, Script script, JsonNode contents) {

        String replyText() {
            if (script.text() != null) {
                return script.text();
            }
            if (isFilter()) {
                return "";
            }
            for (int i = contents.size() - 1; i >= 0; i--) {
                if (contents.get(i).path("role").asText("user").equals("user")) {
                    return "echo: " + textOf(contents.get(i));
                }
            }
            return "echo: ";
        }

        int promptTokens() {
            int prompt = 0;
            for (JsonNode content : contents) {
                prompt += 1 + tokens(textOf(content));
            }
            return prompt;
        }

        int answerTokens() {
            if (script.calls().isEmpty()) {
                return tokens(replyText());
            }
            return script.calls().stream().mapToInt(call -> tokens(call.name()) + tokens(call.arguments())).sum();
        }

        ObjectNode whole() throws JsonProcessingException {
            if (script.blockReason() != null) {
                return blocked();
            }
            List<ObjectNode> parts = new ArrayList<>();
            if (script.calls().isEmpty()) {
                if (!replyText().isEmpty() || !isFilter()) {
                    parts.add(JSON.createObjectNode().put("text", replyText()));
                }
            } else {
                for (Script.Call call : script.calls()) {
                    parts.add(functionCallPart(call));
                }
            }
            return response(parts, script.finishReason(), answerTokens());
        }

        List<ObjectNode> events() throws JsonProcessingException {
            if (script.blockReason() != null) {
                return List.of(blocked());
            }
            List<ObjectNode> events = new ArrayList<>();
            if (script.calls().isEmpty()) {
                // Gemini sends the finish reason with the last piece of text.
                List<String> pieces = pieces(replyText(), script.chunks());
                int written = 0;
                for (int i = 0; i < pieces.size(); i++) {
                    boolean last = i == pieces.size() - 1;
                    written += tokens(pieces.get(i));
                    events.add(response(List.of(JSON.createObjectNode().put("text", pieces.get(i))),
                            last ? script.finishReason() : null, last ? answerTokens() : written));
                }
                if (pieces.isEmpty()) {
                    events.add(response(List.of(), script.finishReason(), 0));
                }
            } else {
                // A function call comes whole, in one event: Gemini does not stream arguments.
                List<ObjectNode> parts = new ArrayList<>();
                for (Script.Call call : script.calls()) {
                    parts.add(functionCallPart(call));
                }
                events.add(response(parts, script.finishReason(), answerTokens()));
            }
            return events;
        }

        private boolean isFilter() {
            return !script.finishReason().equals("STOP") && !script.finishReason().equals("MAX_TOKENS");
        }

        private ObjectNode functionCallPart(Script.Call call) throws JsonProcessingException {
            ObjectNode part = JSON.createObjectNode();
            part.putObject("functionCall").put("name", call.name()).set("args", JSON.readTree(call.arguments()));
            return part;
        }

        private ObjectNode response(List<ObjectNode> parts, String finishReason, int answerTokens) {
            ObjectNode answer = JSON.createObjectNode();
            ObjectNode candidate = answer.putArray("candidates").addObject();
            if (!parts.isEmpty()) {
                ObjectNode content = candidate.putObject("content");
                content.putArray("parts").addAll(parts);
                content.put("role", "model");
            }
            if (finishReason != null) {
                candidate.put("finishReason", finishReason);
                if (isFilter()) {
                    candidate.putArray("safetyRatings").addObject()
                            .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT").put("probability", "HIGH")
                            .put("blocked", true);
                }
            }
            candidate.put("index", 0);
            usage(answer, answerTokens);
            return answer.put("modelVersion", model).put("responseId", id);
        }

        private ObjectNode blocked() {
            ObjectNode answer = JSON.createObjectNode();
            ObjectNode feedback = answer.putObject("promptFeedback").put("blockReason", script.blockReason());
            feedback.putArray("safetyRatings").addObject().put("category", "HARM_CATEGORY_HARASSMENT")
                    .put("probability", "HIGH");
            usage(answer, 0);
            return answer.put("modelVersion", model).put("responseId", id);
        }

        private void usage(ObjectNode answer, int answerTokens) {
            int prompt = promptTokens();
            ObjectNode usage = answer.putObject("usageMetadata").put("promptTokenCount", prompt);
            if (answerTokens > 0) {
                usage.put("candidatesTokenCount", answerTokens);
            }
            usage.put("totalTokenCount", prompt + answerTokens);
            usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", prompt);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Scripts

    /**
     * How the simulator answers a generate request. Start from a factory ({@link #echo()}, {@link #reply},
     * {@link #functionCall}, {@link #blockedPrompt}, {@link #error}) and refine with the {@code with...} methods.
     *
     * @param status       the HTTP status: 200, or an error status sent with Gemini's error object
     * @param errorStatus  the error's {@code status} ({@code INVALID_ARGUMENT}, {@code RESOURCE_EXHAUSTED}, ...)
     * @param errorMessage the error's {@code message}
     * @param errorDetails the error's {@code details} ({@code google.rpc.RetryInfo}, ...)
     * @param text         the model's text, or {@code null} to echo the last user turn
     * @param calls        functions the model calls instead of answering with text
     * @param finishReason the candidate's {@code finishReason}: {@code STOP}, {@code MAX_TOKENS}, {@code SAFETY}, ...
     * @param blockReason  a {@code promptFeedback.blockReason} that blocks the prompt (no candidates), or {@code null}
     * @param headers      extra response headers
     * @param chunks       into how many events a stream cuts the text; 0 cuts it into words
     */
    public record Script(int status, String errorStatus, String errorMessage, List<JsonNode> errorDetails,
                         String text, List<Call> calls, String finishReason, String blockReason,
                         Map<String, String> headers, int chunks) {

        /**
         * A function call the model makes.
         *
         * @param name      the function's name
         * @param arguments its {@code args}, a JSON object as a string
         */
        public record Call(String name, String arguments) {
        }

        public Script {
            errorDetails = List.copyOf(errorDetails);
            calls = List.copyOf(calls);
            headers = Map.copyOf(headers);
            Objects.requireNonNull(finishReason, "finishReason");
        }

        /** The default: echo the last user turn. */
        public static Script echo() {
            return new Script(200, null, null, List.of(), null, List.of(), "STOP", null, Map.of(), 0);
        }

        /** Answer with this text. */
        public static Script reply(String text) {
            return echo().withText(Objects.requireNonNull(text, "text"));
        }

        /** Call one function with these arguments (a JSON object). */
        public static Script functionCall(String name, String argumentsJson) {
            return functionCalls(new Call(name, argumentsJson));
        }

        /** Call several functions at once. */
        public static Script functionCalls(Call... calls) {
            return new Script(200, null, null, List.of(), null, List.of(calls), "STOP", null, Map.of(), 0);
        }

        /** Block the prompt: no candidates, a {@code promptFeedback.blockReason} ({@code SAFETY}, {@code OTHER}...). */
        public static Script blockedPrompt(String reason) {
            return new Script(200, null, null, List.of(), null, List.of(), "STOP", reason, Map.of(), 0);
        }

        /** Fail with Gemini's error object: an HTTP status, its {@code status} name and a message. */
        public static Script error(int status, String statusName, String message) {
            if (status < 400) {
                throw new IllegalArgumentException("an error status is 400 or more, not " + status);
            }
            return new Script(status, statusName, message, List.of(), null, List.of(), "STOP", null, Map.of(), 0);
        }

        /** @return this script with a {@code google.rpc.RetryInfo} detail, as Gemini's 429 carries ({@code "7s"}) */
        public Script withRetryDelay(String delay) {
            List<JsonNode> details = new ArrayList<>(errorDetails);
            details.add(JSON.createObjectNode().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", delay));
            return new Script(status, errorStatus, errorMessage, details, text, calls, finishReason, blockReason,
                    headers, chunks);
        }

        /** @return this script answering with this text (before a filter's finish reason, say) */
        public Script withText(String newText) {
            return new Script(status, errorStatus, errorMessage, errorDetails, newText, calls, finishReason,
                    blockReason, headers, chunks);
        }

        /** @return this script ending with another {@code finishReason} ({@code SAFETY}, {@code MAX_TOKENS}, ...) */
        public Script withFinishReason(String reason) {
            return new Script(status, errorStatus, errorMessage, errorDetails, text, calls, reason, blockReason,
                    headers, chunks);
        }

        /** @return this script with one more response header */
        public Script withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Script(status, errorStatus, errorMessage, errorDetails, text, calls, finishReason, blockReason,
                    more, chunks);
        }

        /** @return this script streaming its text in {@code count} events */
        public Script inChunks(int count) {
            return new Script(status, errorStatus, errorMessage, errorDetails, text, calls, finishReason, blockReason,
                    headers, count);
        }
    }
}
