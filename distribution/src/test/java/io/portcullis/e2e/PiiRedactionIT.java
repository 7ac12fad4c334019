package io.portcullis.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import io.portcullis.testkit.OpenAiSimulator;
import io.portcullis.testkit.OpenAiSimulator.Script;
import io.portcullis.testkit.RunningGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pii-redaction plugin JAR in a real gateway, with provider-openai in front of the OpenAI simulator, which records
 * what the upstream received, and the official OpenAI SDK as the client. The simulator echoes the last user message,
 * so whatever placeholders reached it come back in the reply, whole or cut into chunks.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PiiRedactionIT {

    private static final String CHAT = "/v1/chat/completions";
    /** One value of every type this route masks. */
    private static final List<String> VALUES = List.of("jane.doe@example.com", "+44 20 7946 0958",
            "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "203.0.113.7",
            "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "AKIAIOSFODNN7EXAMPLE");
    private static final String PROMPT = "Write to jane.doe@example.com (phone +44 20 7946 0958) that card "
            + "4111 1111 1111 1111 and IBAN GB82 WEST 1234 5698 7654 32 were used from 203.0.113.7; our key "
            + "sk-proj-abcdefghijklmnopqrstuvwxyz012345 and AKIAIOSFODNN7EXAMPLE must rotate. Again: jane.doe@example.com";

    private OpenAiSimulator simulator;
    private RunningGateway gateway;
    private OpenAIClient client;

    @BeforeAll
    void start(@TempDir Path plugins) {
        simulator = OpenAiSimulator.start();
        BuiltPlugins.copy(plugins, BuiltPlugins.OPENAI, BuiltPlugins.PII);
        gateway = RunningGateway.start("""
                providers:
                  - { id: openai, type: openai, baseUrl: "%s", apiKey: test-key }
                models:
                  - { name: gpt-4o-mini, targets: [ { provider: openai } ] }
                routes:
                  - { path: /v1/chat/completions, policies: [ pii ] }
                policies:
                  pii: { use: pii-redaction, actions: { US_SSN: block } }
                """.formatted(simulator.baseUrl()), plugins);
        client = OpenAiSdkIT.sdk(gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Clients.closeAll(client, gateway, simulator);
    }

    @BeforeEach
    void echo() {
        simulator.reset();
    }

    @Test
    void the_upstream_sees_placeholders_and_the_client_gets_the_original_values_back() {
        ChatCompletion completion = client.chat().completions().create(OpenAiSdkIT.chat("gpt-4o-mini", PROMPT));

        String upstream = simulator.lastRequest().rawBody();
        assertThat(VALUES).allSatisfy(value -> assertThat(upstream).doesNotContain(value));
        assertThat(upstream).contains("<EMAIL_1>", "<PHONE_1>", "<CREDIT_CARD_1>", "<IBAN_1>", "<IP_ADDRESS_1>",
                "<API_KEY_1>", "<AWS_ACCESS_KEY_1>").doesNotContain("<EMAIL_2>");
        assertThat(completion.choices().get(0).message().content()).hasValue("echo: " + PROMPT);
    }

    @Test
    void a_streamed_reply_is_restored_wherever_the_upstream_cuts_it() {
        String expected = "echo: " + PROMPT;
        // One character per chunk cuts every placeholder at every position at once; the coarser cuts put placeholders
        // across two or three chunks at assorted offsets. (PiiPolicyTest tries every two- and three-piece cut.)
        for (int chunks : new int[] {10_000, 1, 2, 3, 5, 8, 13, 21}) {
            simulator.script(Script.echo().inChunks(chunks));
            String streamed;
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                    .createStreaming(OpenAiSdkIT.chat("gpt-4o-mini", PROMPT))) {
                streamed = stream.stream().flatMap(chunk -> chunk.choices().stream())
                        .flatMap(choice -> choice.delta().content().stream()).collect(Collectors.joining());
            }
            String upstream = simulator.lastRequest().rawBody();

            assertThat(streamed).as("%d chunks", chunks).isEqualTo(expected);
            assertThat(VALUES).allSatisfy(value -> assertThat(upstream).doesNotContain(value));
        }
    }

    @Test
    void tool_call_arguments_are_restored_in_complete_and_streamed_replies() {
        simulator.script(Script.toolCall("send_mail", "{\"to\":\"<EMAIL_1>\",\"cc\":\"<EMAIL_9>\"}"));
        try (Http http = new Http(gateway)) {
            JsonNode whole = Http.json(http.post(CHAT, Http.chat("gpt-4o-mini", "mail jane.doe@example.com", false)));
            assertThat(whole.at("/choices/0/message/tool_calls/0/function/arguments").asText())
                    .isEqualTo("{\"to\":\"jane.doe@example.com\",\"cc\":\"<EMAIL_9>\"}");

            HttpResponse<String> streamed = http.post(CHAT, Http.chat("gpt-4o-mini", "mail jane.doe@example.com",
                    true));
            StringBuilder arguments = new StringBuilder();
            for (String line : streamed.body().split("\n")) {
                if (line.startsWith("data: {")) {
                    JsonNode chunk = Http.JSON.readTree(line.substring(6));
                    JsonNode args = chunk.at("/choices/0/delta/tool_calls/0/function/arguments");
                    if (args.isTextual()) {
                        arguments.append(args.asText());
                    }
                }
            }
            assertThat(arguments.toString()).isEqualTo("{\"to\":\"jane.doe@example.com\",\"cc\":\"<EMAIL_9>\"}");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
        assertThat(simulator.requests()).allSatisfy(request ->
                assertThat(request.rawBody()).doesNotContain("jane.doe@example.com"));
    }

    @Test
    void block_rejects_with_a_400_that_names_the_type_and_nothing_reaches_the_upstream() {
        try (Http http = new Http(gateway)) {
            HttpResponse<String> response = http.post(CHAT, Http.chat("gpt-4o-mini",
                    "my SSN is 123-45-6789, file my taxes", false));

            JsonNode error = Http.assertOpenAiError(response, 400);
            assertThat(error.path("message").asText()).contains("US_SSN");
            assertThat(response.body()).doesNotContain("123-45-6789");
        }
        assertThat(simulator.requests()).isEmpty();
    }
}
