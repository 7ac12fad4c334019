package io.portcullis.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.portcullis.testkit.SimulatorServer.pieces;
import static io.portcullis.testkit.SimulatorServer.tokens;

/**
 * A stand-in for OpenAI's API that speaks its wire format: a real Jetty server on {@code 127.0.0.1} and an ephemeral
 * port, for testing anything that calls OpenAI or an OpenAI-compatible server (a provider plugin, a gateway route).
 *
 * <p>It serves {@code POST /v1/chat/completions} (a {@code chat.completion} object, or with {@code "stream": true}
 * server-sent events of {@code chat.completion.chunk} objects ending with {@code data: [DONE]}, and a usage-only chunk
 * before it when {@code stream_options.include_usage} is set), {@code POST /v1/embeddings} (float arrays, or base64 of
 * little-endian float32 with {@code "encoding_format": "base64"}), {@code GET /v1/models} and
 * {@code GET /v1/models/{id}}; and the chat and embeddings endpoints under Azure OpenAI's deployment paths,
 * {@code /openai/deployments/{deployment}/chat/completions?api-version=...} with the key in {@code api-key}. It
 * validates requests the way OpenAI does where a client is most likely to go wrong (missing fields, a {@code tool}
 * message without the assistant's {@code tool_calls} before it, {@code stream_options} without {@code stream}) and
 * answers with OpenAI's error object.
 *
 * <p>By default the assistant echoes the last user (or tool) message, {@code "echo: <text>"}, with a plausible usage.
 * Each test scripts what it needs with {@link Script}: an error status, a tool call, a hang, a slow stream, a stream
 * that stops or breaks after some chunks. Every request is recorded for assertions, and the simulator counts the
 * responses a client abandoned, which is how a test proves that closing a stream reached the upstream.
 *
 * <pre>{@code
 * try (OpenAiSimulator openai = OpenAiSimulator.start()) {
 *     openai.scriptNext(Script.error(429, "Rate limit reached").withHeader("Retry-After", "2"));
 *     // ... call openai.baseUrl() + "/chat/completions" ...
 *     assertThat(openai.lastRequest().body().path("model").asText()).isEqualTo("gpt-4o-mini");
 *
 *     openai.script(Script.reply("a long story").inChunks(50).withDelay(Duration.ofMillis(20)));
 *     // ... start a stream, read two chunks, close it ...
 *     await().until(() -> openai.closedEarly() == 1);
 * }
 * }</pre>
 *
 * <p>Thread-safe: requests are served concurrently, each on its own virtual thread.
 */
public final class OpenAiSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DEFAULT_MODELS = List.of("gpt-4o-mini", "gpt-4o", "text-embedding-3-small");
    /** The size of {@code text-embedding-3-small}'s vectors. */
    private static final int DEFAULT_DIMENSIONS = 1536;
    /** The same {@code created} for every model entry, as OpenAI's list has fixed dates. */
    private static final long MODELS_CREATED = 1_715_367_049L;
    private static final String SYSTEM_FINGERPRINT = "fp_simulator";

    private final SimulatorServer server;
    private final ScriptBook<Script> book = new ScriptBook<>("OpenAI", Script.echo());
    private volatile List<String> models = DEFAULT_MODELS;
    private volatile String requiredApiKey;
    private volatile Gate gate;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger closedEarly = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();

    private OpenAiSimulator() {
        server = new SimulatorServer("OpenAI", closedEarly::incrementAndGet,
                (request, response, exchange) -> new Exchange(request, response, exchange).run());
    }

    /** Starts a simulator on {@code 127.0.0.1} and a free port. */
    public static OpenAiSimulator start() {
        return new OpenAiSimulator();
    }

    /** @return the base URL clients are configured with, {@code http://127.0.0.1:<port>/v1} */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port() + "/v1");
    }

    /** @return the port the simulator listens on */
    public int port() {
        return server.port();
    }

    /** Scripts every following request, until {@link #reset()} or another call. */
    public OpenAiSimulator script(Script script) {
        book.script(script);
        return this;
    }

    /** Scripts the next request only; several calls script the next requests in order. */
    public OpenAiSimulator scriptNext(Script script) {
        book.scriptNext(script);
        return this;
    }

    /** Sets the models {@code GET /v1/models} lists (by default gpt-4o-mini, gpt-4o, text-embedding-3-small). */
    public OpenAiSimulator models(String... ids) {
        models = List.of(ids);
        return this;
    }

    /**
     * Makes every request need {@code Authorization: Bearer <apiKey>}, answering 401 {@code invalid_api_key} as OpenAI
     * does otherwise; {@code null} accepts any request (the default).
     */
    public OpenAiSimulator requireApiKey(String apiKey) {
        requiredApiKey = apiKey;
        return this;
    }

    /**
     * Holds back the text chunks of the streams that start from now on: the first goes at once, each later one waits
     * until the test lets it go through {@code gate}. How a test proves, without timing, that a client received a
     * chunk before the next one existed. {@code null} lets chunks go at once again (the default).
     */
    public OpenAiSimulator gateStreams(Gate gate) {
        this.gate = gate;
        return this;
    }

    /** Forgets scripts, recorded requests, counters, the required key and the gate; the models list stays. */
    public OpenAiSimulator reset() {
        book.reset();
        requiredApiKey = null;
        gate = null;
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

    /** @return the event streams being written right now */
    public int openStreams() {
        return openStreams.get();
    }

    /**
     * @return how many responses (streams above all, but also hangs and slow answers) the client closed before the
     *         simulator had finished them
     */
    public int closedEarly() {
        return closedEarly.get();
    }

    /**
     * A deterministic unit-length vector for a text: what {@code /v1/embeddings} answers, so that a test can compute
     * the vector it expects.
     */
    public static float[] embeddingOf(String text, int dimensions) {
        SplittableRandom random = new SplittableRandom(text.hashCode());
        float[] vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (random.nextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dimensions; i++) {
            vector[i] *= scale;
        }
        return vector;
    }

    /** Stops the server; hanging requests end and their connections close. */
    @Override
    public void close() {
        server.stop();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Serving

    /** One request being answered: what OpenAI would answer; how it travels is {@link SimulatedExchange}'s. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final SimulatedExchange exchange;
        /** The gate this exchange's stream passes, or {@code null}. */
        private volatile Gate streamGate;

        Exchange(Request request, Response response, SimulatedExchange exchange) {
            this.request = request;
            this.response = response;
            this.exchange = exchange;
            exchange.onGone(this::wakeGate);
        }

        void run() throws Exception {
            RecordedRequest recorded = book.record(request);
            Script script = book.take();

            boolean azure = recorded.path().startsWith(AZURE_PREFIX);
            if (azure && requiredApiKey != null && !requiredApiKey.equals(recorded.header("api-key"))) {
                sendAzureError(401, "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                        + "to provide a valid key for an active subscription and use a correct regional API endpoint "
                        + "for your resource.");
                return;
            }
            if (!azure && requiredApiKey != null
                    && !("Bearer " + requiredApiKey).equals(recorded.header("authorization"))) {
                sendError(401, new Script.ErrorBody("Incorrect API key provided. You can find your API key at "
                        + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null,
                        "invalid_api_key"), Map.of());
                return;
            }
            if (azure && (recorded.query() == null || !recorded.query().contains("api-version="))) {
                sendAzureError(404, "Resource not found");
                return;
            }
            Endpoint endpoint = Endpoint.of(request.getMethod(), azure ? azureToOpenAiPath(recorded.path())
                    : recorded.path());
            if (endpoint == Endpoint.NONE) {
                sendError(404, new Script.ErrorBody("Invalid URL (" + request.getMethod() + " " + recorded.path()
                        + ")", "invalid_request_error", null, null), Map.of());
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
            switch (endpoint) {
                case CHAT -> chat(recorded, script);
                case EMBEDDINGS -> embeddings(recorded, script);
                case MODELS -> answer(modelList(), script);
                case MODEL -> model(recorded.path().substring("/v1/models/".length()), script);
                default -> throw new IllegalStateException(endpoint.name());
            }
        }

        // -- chat completions ---------------------------------------------------------------------------------------

        private void chat(RecordedRequest recorded, Script script) throws Exception {
            JsonNode body = recorded.body();
            Script.ErrorBody invalid = validateChat(body);
            if (invalid != null) {
                sendError(400, invalid, Map.of());
                return;
            }
            Completion completion = new Completion("chatcmpl-sim" + ids.incrementAndGet(),
                    Instant.now().getEpochSecond(), body.get("model").asText(), script, body.get("messages"));
            if (body.path("stream").asBoolean(false)) {
                stream(completion, body.path("stream_options").path("include_usage").asBoolean(false));
            } else {
                answer(completion.whole(), script);
            }
        }

        private void stream(Completion completion, boolean includeUsage) throws Exception {
            Script script = completion.script();
            exchange.watch();
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "text/event-stream; charset=utf-8");
            response.getHeaders().put("Cache-Control", "no-cache");
            putCommonHeaders(script.headers());
            openStreams.incrementAndGet();
            streamGate = gate;
            try {
                write(event(completion.firstChunk(includeUsage)), false);
                List<ObjectNode> pieces = completion.pieceChunks(includeUsage);
                for (int i = 0; i < pieces.size(); i++) {
                    if (i == script.faultAfter()) {
                        fault(script.fault());
                    }
                    if (i > 0) {
                        passGate();
                    }
                    exchange.pause(script.delay());
                    write(event(pieces.get(i)), false);
                }
                fault(script.fault());
                write(event(completion.finishChunk(includeUsage)), false);
                if (includeUsage) {
                    write(event(completion.usageChunk()), false);
                }
                write("data: [DONE]\n\n", true);
            } finally {
                openStreams.decrementAndGet();
            }
        }

        // -- embeddings and models ----------------------------------------------------------------------------------

        private void embeddings(RecordedRequest recorded, Script script) throws Exception {
            JsonNode body = recorded.body();
            Script.ErrorBody invalid = validateEmbeddings(body);
            if (invalid != null) {
                sendError(400, invalid, Map.of());
                return;
            }
            List<String> inputs = new ArrayList<>();
            if (body.get("input").isArray()) {
                body.get("input").forEach(input -> inputs.add(input.isTextual() ? input.asText() : input.toString()));
            } else {
                inputs.add(body.get("input").asText());
            }
            int dimensions = body.path("dimensions").asInt(DEFAULT_DIMENSIONS);
            boolean base64 = "base64".equals(body.path("encoding_format").asText("float"));
            ObjectNode answer = JSON.createObjectNode().put("object", "list");
            ArrayNode data = answer.putArray("data");
            int tokens = 0;
            for (int i = 0; i < inputs.size(); i++) {
                float[] vector = embeddingOf(inputs.get(i), dimensions);
                ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
                if (base64) {
                    item.put("embedding", toBase64(vector));
                } else {
                    ArrayNode values = item.putArray("embedding");
                    for (float value : vector) {
                        values.add(value);
                    }
                }
                tokens += tokens(inputs.get(i));
            }
            answer.put("model", body.get("model").asText());
            answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            answer(answer, script);
        }

        private ObjectNode modelList() {
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            models.forEach(id -> data.add(modelEntry(id)));
            return list;
        }

        private void model(String id, Script script) throws Exception {
            if (!models.contains(id)) {
                sendError(404, new Script.ErrorBody("The model '" + id + "' does not exist", "invalid_request_error",
                        "model", "model_not_found"), Map.of());
                return;
            }
            answer(modelEntry(id), script);
        }

        // -- writing ------------------------------------------------------------------------------------------------

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
                write(new String(bytes, 0, bytes.length / 2, StandardCharsets.UTF_8), false);
                fault(script.fault());
            }
            write(new String(bytes, StandardCharsets.UTF_8), true);
        }

        private void sendError(int status, Script.ErrorBody error, Map<String, String> headers) throws Exception {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode object = body.putObject("error");
            object.put("message", error.message()).put("type", error.type());
            object.set("param", error.param() == null ? NullNode.getInstance() : object.textNode(error.param()));
            object.set("code", error.code() == null ? NullNode.getInstance() : object.textNode(error.code()));
            response.setStatus(status);
            response.getHeaders().put("Content-Type", "application/json");
            putCommonHeaders(headers);
            write(JSON.writeValueAsString(body), true);
        }

        /** Azure's own error object, {@code {"error": {"code": "401", "message": ...}}}, for its gateway's refusals. */
        private void sendAzureError(int status, String message) throws Exception {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("error").put("code", String.valueOf(status)).put("message", message);
            response.setStatus(status);
            response.getHeaders().put("Content-Type", "application/json");
            write(JSON.writeValueAsString(body), true);
        }

        private void putCommonHeaders(Map<String, String> scripted) {
            response.getHeaders().put("x-request-id", "req_sim" + ids.incrementAndGet());
            response.getHeaders().put("openai-version", "2020-10-01");
            response.getHeaders().put("openai-processing-ms", "1");
            scripted.forEach(response.getHeaders()::put);
        }

        private void write(String text, boolean last) throws SimulatedExchange.Ended {
            exchange.write(text, last);
        }

        // -- faults and the gate ------------------------------------------------------------------------------------

        private void passGate() throws SimulatedExchange.Ended {
            Gate current = streamGate;
            if (current == null) {
                return;
            }
            try {
                if (!current.pass(exchange)) {
                    throw new SimulatedExchange.Ended("the client closed the connection");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SimulatedExchange.Ended("interrupted");
            }
        }

        private void fault(Script.Fault fault) throws SimulatedExchange.Ended {
            switch (fault) {
                case HANG_MID_BODY -> exchange.hangUntilGone();
                case RESET_MID_BODY -> exchange.reset();
                default -> {
                }
            }
        }

        private void wakeGate() {
            Gate current = streamGate;
            if (current != null) {
                current.wake();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Validation, as OpenAI words it

    private static Script.ErrorBody validateChat(JsonNode body) {
        if (body == null || !body.isObject()) {
            return unparsableBody();
        }
        if (!body.path("model").isTextual()) {
            return new Script.ErrorBody("you must provide a model parameter", "invalid_request_error", null, null);
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            return missing("messages");
        }
        if (messages.isEmpty()) {
            return new Script.ErrorBody("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", "invalid_request_error", "messages", "empty_array");
        }
        if (body.has("stream_options") && !body.path("stream").asBoolean(false)) {
            return new Script.ErrorBody("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                    "invalid_request_error", "stream_options", null);
        }
        return validateToolTurns(messages);
    }

    /** Every {@code tool} message answers a call of the assistant message before it, and every call is answered. */
    private static Script.ErrorBody validateToolTurns(JsonNode messages) {
        Set<String> unanswered = new HashSet<>();
        int callerIndex = -1;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText(null);
            if (role == null) {
                return missing("messages[" + i + "].role");
            }
            if ("tool".equals(role)) {
                if (!unanswered.remove(message.path("tool_call_id").asText(""))) {
                    return new Script.ErrorBody("Invalid parameter: messages with role 'tool' must be a response to "
                            + "a preceeding message with 'tool_calls'.", "invalid_request_error",
                            "messages.[" + i + "].role", null);
                }
                continue;
            }
            if (!unanswered.isEmpty()) {
                return unansweredCalls(callerIndex, unanswered);
            }
            if ("assistant".equals(role) && message.path("tool_calls").isArray()) {
                callerIndex = i;
                message.get("tool_calls").forEach(call -> unanswered.add(call.path("id").asText()));
            }
        }
        return unanswered.isEmpty() ? null : unansweredCalls(callerIndex, unanswered);
    }

    private static Script.ErrorBody unansweredCalls(int callerIndex, Set<String> unanswered) {
        return new Script.ErrorBody("An assistant message with 'tool_calls' must be followed by tool messages "
                + "responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                + String.join(", ", unanswered), "invalid_request_error", "messages.[" + callerIndex + "].role",
                null);
    }

    private static Script.ErrorBody validateEmbeddings(JsonNode body) {
        if (body == null || !body.isObject()) {
            return unparsableBody();
        }
        if (!body.path("model").isTextual()) {
            return new Script.ErrorBody("you must provide a model parameter", "invalid_request_error", null, null);
        }
        if (!body.has("input")) {
            return missing("input");
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            return new Script.ErrorBody("Invalid value for 'encoding_format': '" + format + "'. Supported values are: "
                    + "'float' and 'base64'.", "invalid_request_error", "encoding_format", "invalid_value");
        }
        return null;
    }

    private static Script.ErrorBody missing(String param) {
        return new Script.ErrorBody("Missing required parameter: '" + param + "'.", "invalid_request_error", param,
                "missing_required_parameter");
    }

    private static Script.ErrorBody unparsableBody() {
        return new Script.ErrorBody("We could not parse the JSON body of your request. (HINT: This likely means you "
                + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent "
                + "was not valid JSON.)", "invalid_request_error", null, null);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the answers are made of

    private static ObjectNode modelEntry(String id) {
        return JSON.createObjectNode().put("id", id).put("object", "model").put("created", MODELS_CREATED)
                .put("owned_by", "system");
    }

    private static String event(JsonNode chunk) throws JsonProcessingException {
        return "data: " + JSON.writeValueAsString(chunk) + "\n\n";
    }

    private static String toBase64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            bytes.putFloat(value);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The text of a message's content: a string, or the text parts of an array. */
    private static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")));
        return text.toString();
    }

    /** The answer to one chat completion request, whole or as chunks. */
    private record Completion(String id, long created, String model, Script script, JsonNode messages) {

        String replyText() {
            if (script.fault() == Script.Fault.CONTENT_FILTER) {
                return "";
            }
            if (script.text() != null) {
                return script.text();
            }
            for (int i = messages.size() - 1; i >= 0; i--) {
                String role = messages.get(i).path("role").asText();
                if (role.equals("user") || role.equals("tool")) {
                    return "echo: " + textOf(messages.get(i).get("content"));
                }
            }
            return "echo: ";
        }

        boolean callsTools() {
            return !script.toolCalls().isEmpty();
        }

        String finishReason() {
            if (script.fault() == Script.Fault.CONTENT_FILTER) {
                return "content_filter";
            }
            return callsTools() ? "tool_calls" : "stop";
        }

        ObjectNode usage() {
            int prompt = 3;
            for (JsonNode message : messages) {
                prompt += 4 + tokens(textOf(message.get("content")));
            }
            int completion = 0;
            if (callsTools()) {
                for (Script.Call call : script.toolCalls()) {
                    completion += tokens(call.name()) + tokens(call.arguments());
                }
            } else {
                completion = tokens(replyText());
            }
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", prompt)
                    .put("completion_tokens", completion).put("total_tokens", prompt + completion);
            usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
            usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                    .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
            return usage;
        }

        ObjectNode whole() {
            ObjectNode completion = header("chat.completion");
            ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (callsTools()) {
                message.putNull("content");
                ArrayNode calls = message.putArray("tool_calls");
                for (Script.Call call : script.toolCalls()) {
                    calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                            .put("name", call.name()).put("arguments", call.arguments());
                }
            } else {
                message.put("content", replyText());
            }
            message.putNull("refusal");
            message.putArray("annotations");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason());
            completion.set("usage", usage());
            completion.put("service_tier", "default");
            completion.put("system_fingerprint", SYSTEM_FINGERPRINT);
            return completion;
        }

        /** The first chunk: the role, and for tool calls each call's id and name with empty arguments. */
        ObjectNode firstChunk(boolean includeUsage) {
            ObjectNode delta = JSON.createObjectNode().put("role", "assistant");
            if (callsTools()) {
                delta.putNull("content");
                ArrayNode calls = delta.putArray("tool_calls");
                for (int i = 0; i < script.toolCalls().size(); i++) {
                    Script.Call call = script.toolCalls().get(i);
                    calls.addObject().put("index", i).put("id", call.id()).put("type", "function")
                            .putObject("function").put("name", call.name()).put("arguments", "");
                }
            } else {
                delta.put("content", "");
            }
            delta.putNull("refusal");
            return chunk(delta, null, includeUsage);
        }

        /** The chunks that carry the text, or the tool calls' argument fragments. */
        List<ObjectNode> pieceChunks(boolean includeUsage) {
            List<ObjectNode> chunks = new ArrayList<>();
            if (callsTools()) {
                for (int i = 0; i < script.toolCalls().size(); i++) {
                    String arguments = script.toolCalls().get(i).arguments();
                    for (String fragment : pieces(arguments, script.chunks() > 0 ? script.chunks() : 3)) {
                        ObjectNode delta = JSON.createObjectNode();
                        delta.putArray("tool_calls").addObject().put("index", i).putObject("function")
                                .put("arguments", fragment);
                        chunks.add(chunk(delta, null, includeUsage));
                    }
                }
            } else {
                for (String piece : pieces(replyText(), script.chunks())) {
                    chunks.add(chunk(JSON.createObjectNode().put("content", piece), null, includeUsage));
                }
            }
            return chunks;
        }

        ObjectNode finishChunk(boolean includeUsage) {
            return chunk(JSON.createObjectNode(), finishReason(), includeUsage);
        }

        /** The last chunk when usage was asked for: no choices, only the usage. */
        ObjectNode usageChunk() {
            ObjectNode chunk = header("chat.completion.chunk");
            chunk.putArray("choices");
            chunk.set("usage", usage());
            return chunk;
        }

        private ObjectNode chunk(ObjectNode delta, String finishReason, boolean includeUsage) {
            ObjectNode chunk = header("chat.completion.chunk");
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            choice.set("finish_reason", finishReason == null ? NullNode.getInstance() : choice.textNode(finishReason));
            if (includeUsage) {
                // With include_usage, OpenAI sends "usage": null in every chunk before the usage chunk.
                chunk.putNull("usage");
            }
            return chunk;
        }

        private ObjectNode header(String object) {
            ObjectNode node = JSON.createObjectNode().put("id", id).put("object", object).put("created", created)
                    .put("model", model);
            if (object.equals("chat.completion.chunk")) {
                node.put("service_tier", "default").put("system_fingerprint", SYSTEM_FINGERPRINT);
            }
            return node;
        }
    }

    /**
     * Azure OpenAI's deployment paths, {@code /openai/deployments/{deployment}/chat/completions?api-version=...}, are
     * served like OpenAI's: the deployment stands for the model.
     */
    private static final String AZURE_PREFIX = "/openai/deployments/";

    private static String azureToOpenAiPath(String path) {
        String rest = path.substring(AZURE_PREFIX.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? path : "/v1" + rest.substring(slash);
    }

    private enum Endpoint {
        CHAT, EMBEDDINGS, MODELS, MODEL, NONE;

        static Endpoint of(String method, String path) {
            return switch (method + " " + path) {
                case "POST /v1/chat/completions" -> CHAT;
                case "POST /v1/embeddings" -> EMBEDDINGS;
                case "GET /v1/models" -> MODELS;
                default -> method.equals("GET") && path.startsWith("/v1/models/") ? MODEL : NONE;
            };
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Public records

    /**
     * Lets the chunks of gated streams ({@link #gateStreams}) go one at a time, or all at once. Thread-safe; one gate
     * may hold several streams, each {@link #release()} letting one chunk of one of them go.
     */
    public static final class Gate {
        private int permits;
        private int waiting;

        /** Lets one more chunk go. */
        public synchronized void release() {
            if (permits != Integer.MAX_VALUE) {
                permits++;
            }
            notifyAll();
        }

        /** Lets every chunk go from now on. */
        public synchronized void open() {
            permits = Integer.MAX_VALUE;
            notifyAll();
        }

        /** @return how many streams are holding a chunk back right now, waiting for this gate */
        public synchronized int waiting() {
            return waiting;
        }

        /** Waits for a permit; @return {@code false} when the client went away first */
        synchronized boolean pass(SimulatedExchange exchange) throws InterruptedException {
            waiting++;
            try {
                while (permits == 0 && !exchange.isGone()) {
                    wait();
                }
                if (exchange.isGone()) {
                    return false;
                }
                if (permits != Integer.MAX_VALUE) {
                    permits--;
                }
                return true;
            } finally {
                waiting--;
            }
        }

        synchronized void wake() {
            notifyAll();
        }
    }

    /**
     * How the simulator answers a request. Start from a factory ({@link #echo()}, {@link #reply}, {@link #toolCall},
     * {@link #error}, {@link #hang()}) and refine with the {@code with...}, {@code inChunks}, {@code ...AfterChunks}
     * methods. Errors, hangs, delays and faults apply to every endpoint; the text and tool calls to chat completions.
     *
     * @param status     the HTTP status: 200, or an error status sent with {@code error}
     * @param error      OpenAI's error object for an error status, else {@code null}
     * @param text       the assistant's text, or {@code null} to echo the last user or tool message
     * @param toolCalls  tool calls the assistant makes instead of answering with text; empty for a text answer
     * @param headers    extra response headers ({@code Retry-After}, ...)
     * @param chunks     into how many chunks a stream cuts the text (or each call's arguments); 0 cuts text into
     *                   words and arguments into three
     * @param delay      the pause before an answer and before each chunk of a stream
     * @param fault      what goes wrong
     * @param faultAfter how many text or argument chunks a stream sends before a mid-body fault
     */
    public record Script(int status, ErrorBody error, String text, List<Call> toolCalls, Map<String, String> headers,
                         int chunks, Duration delay, Fault fault, int faultAfter) {

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
            /**
             * No fault of the connection: the content filter withholds the answer, as OpenAI and Azure OpenAI report
             * it — no text, {@code finish_reason: content_filter}.
             */
            CONTENT_FILTER
        }

        /**
         * A tool call the assistant makes.
         *
         * @param id        the call's id, which the {@code tool} message answering it must repeat
         * @param name      the function's name
         * @param arguments the arguments, a JSON object as a string
         */
        public record Call(String id, String name, String arguments) {
        }

        /**
         * OpenAI's error object: {@code {"error": {"message", "type", "param", "code"}}}.
         *
         * @param message what went wrong
         * @param type    {@code invalid_request_error}, {@code server_error}, ...
         * @param param   the request field at fault, or {@code null}
         * @param code    a machine-readable code ({@code invalid_api_key}, {@code rate_limit_exceeded}), or
         *                {@code null}
         */
        public record ErrorBody(String message, String type, String param, String code) {
        }

        public Script {
            toolCalls = List.copyOf(toolCalls);
            headers = Map.copyOf(headers);
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(fault, "fault");
            if (status >= 400 && error == null) {
                throw new IllegalArgumentException("an error status needs an error body");
            }
            if (chunks < 0 || faultAfter < 0 || delay.isNegative()) {
                throw new IllegalArgumentException("chunks, faultAfter and delay must not be negative");
            }
        }

        /** The default: echo the last user message. */
        public static Script echo() {
            return new Script(200, null, null, List.of(), Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Answer with this text. */
        public static Script reply(String text) {
            return new Script(200, null, Objects.requireNonNull(text, "text"), List.of(), Map.of(), 0, Duration.ZERO,
                    Fault.NONE, 0);
        }

        /** Call one tool (finish reason {@code tool_calls}); the call's id is {@code call_<name>}. */
        public static Script toolCall(String name, String argumentsJson) {
            return toolCalls(new Call("call_" + name, name, argumentsJson));
        }

        /** Call several tools in parallel. */
        public static Script toolCalls(Call... calls) {
            return new Script(200, null, null, List.of(calls), Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Answer with an error status and OpenAI's usual {@code type} and {@code code} for it. */
        public static Script error(int status, String message) {
            String type = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
            String code = switch (status) {
                case 401 -> "invalid_api_key";
                case 404 -> "model_not_found";
                case 429 -> "rate_limit_exceeded";
                default -> null;
            };
            return error(status, new ErrorBody(message, type, null, code));
        }

        /** Answer with an error status and this error object. */
        public static Script error(int status, ErrorBody error) {
            if (status < 400) {
                throw new IllegalArgumentException("an error status is 400 or more, not " + status);
            }
            return new Script(status, error, null, List.of(), Map.of(), 0, Duration.ZERO, Fault.NONE, 0);
        }

        /** Never answer, until the client closes the connection (or the simulator stops). */
        public static Script hang() {
            return echo().withFault(Fault.HANG, 0);
        }

        /** Withhold the answer as a content filter does: empty text, finish reason {@code content_filter}. */
        public static Script contentFilter() {
            return echo().withFault(Fault.CONTENT_FILTER, 0);
        }

        /** @return this script with one more response header */
        public Script withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Script(status, error, text, toolCalls, more, chunks, delay, fault, faultAfter);
        }

        /** @return this script streaming its text (or each call's arguments) in {@code count} chunks */
        public Script inChunks(int count) {
            return new Script(status, error, text, toolCalls, headers, count, delay, fault, faultAfter);
        }

        /** @return this script pausing before the answer and before each chunk of a stream */
        public Script withDelay(Duration pause) {
            return new Script(status, error, text, toolCalls, headers, chunks, pause, fault, faultAfter);
        }

        /**
         * @return this script going silent after {@code count} chunks of a stream (or half of a JSON body), until the
         *         client closes the connection
         */
        public Script hangAfterChunks(int count) {
            return withFault(Fault.HANG_MID_BODY, count);
        }

        /** @return this script resetting the connection after {@code count} chunks (or half of a JSON body) */
        public Script resetAfterChunks(int count) {
            return withFault(Fault.RESET_MID_BODY, count);
        }

        private Script withFault(Fault newFault, int after) {
            return new Script(status, error, text, toolCalls, headers, chunks, delay, newFault, after);
        }
    }
}
