package io.portcullis.testkit;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.portcullis.testkit.OpenAiSimulator.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The official OpenAI Java SDK, strict about the types of what it reads, is the judge of the simulator's fidelity. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(30)
class OpenAiSimulatorSdkTest {

    private static final ChatCompletionCreateParams HELLO = ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini").addSystemMessage("Be brief.").addUserMessage("hello there").build();

    private final OpenAiSimulator openai = OpenAiSimulator.start().requireApiKey("sk-sim");
    private final OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey("sk-sim")
            .baseUrl(openai.baseUrl().toString()).maxRetries(0).build();

    @AfterEach
    void stop() {
        sdk.close();
        openai.close();
    }

    private List<ChatCompletionChunk> stream(ChatCompletionCreateParams params) {
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params)) {
            return stream.stream().map(ChatCompletionChunk::validate).toList();
        }
    }

    @Test
    void the_sdk_reads_a_chat_completion() {
        ChatCompletion completion = sdk.chat().completions().create(HELLO).validate();

        assertThat(completion.choices().get(0).message().content()).contains("echo: hello there");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.totalTokens()).isPositive());
    }

    @Test
    void the_sdk_accumulates_a_stream_with_its_usage_chunk() {
        List<ChatCompletionChunk> chunks = stream(HELLO.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        chunks.forEach(accumulator::accumulate);
        ChatCompletion completion = accumulator.chatCompletion().validate();
        assertThat(completion.choices().get(0).message().content()).contains("echo: hello there");
        assertThat(chunks.getLast().choices()).isEmpty();
        assertThat(chunks.getLast().usage()).hasValueSatisfying(usage -> assertThat(usage.promptTokens()).isPositive());
    }

    @Test
    void the_sdk_accumulates_a_streamed_tool_call() {
        openai.script(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"));

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        stream(HELLO).forEach(accumulator::accumulate);

        ChatCompletion completion = accumulator.chatCompletion().validate();
        assertThat(completion.choices().get(0).finishReason())
                .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        var call = completion.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.id()).isEqualTo("call_get_weather");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
    }

    @Test
    void the_sdk_decodes_embeddings_in_both_encodings() {
        EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model("text-embedding-3-small")
                .input("hello").dimensions(8);

        CreateEmbeddingResponse asDefault = sdk.embeddings().create(params.build()).validate();
        String defaultEncoding = openai.lastRequest().body().path("encoding_format").asText("float");
        CreateEmbeddingResponse asFloats = sdk.embeddings()
                .create(params.encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build()).validate();

        List<Float> expected = new ArrayList<>();
        for (float value : OpenAiSimulator.embeddingOf("hello", 8)) {
            expected.add(value);
        }
        assertThat(defaultEncoding).as("the SDK asks for base64 unless told otherwise").isEqualTo("base64");
        assertThat(asDefault.data().get(0).embedding()).containsExactlyElementsOf(expected);
        assertThat(asFloats.data().get(0).embedding()).containsExactlyElementsOf(expected);
    }

    @Test
    void the_sdk_lists_the_models() {
        openai.models("gpt-4o-mini", "text-embedding-3-small");

        List<String> ids = sdk.models().list().data().stream().map(Model::validate).map(Model::id).toList();

        assertThat(ids).containsExactly("gpt-4o-mini", "text-embedding-3-small");
    }

    @Test
    void the_sdk_turns_scripted_errors_into_its_exceptions_with_their_details() {
        openai.scriptNext(Script.error(429, "Rate limit reached").withHeader("Retry-After", "1"));
        openai.scriptNext(Script.error(400, new Script.ErrorBody("Invalid 'temperature'", "invalid_request_error",
                "temperature", "invalid_value")));

        RateLimitException limited = catchThrowableOfType(RateLimitException.class,
                () -> sdk.chat().completions().create(HELLO));
        BadRequestException rejected = catchThrowableOfType(BadRequestException.class,
                () -> sdk.chat().completions().create(HELLO));

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.code()).contains("rate_limit_exceeded");
        assertThat(limited.headers().values("Retry-After")).containsExactly("1");
        assertThat(rejected.param()).contains("temperature");
        assertThat(rejected.getMessage()).contains("Invalid 'temperature'");
    }

    @Test
    void the_sdk_sees_a_wrong_key_as_unauthorized() {
        OpenAIClient wrong = OpenAIOkHttpClient.builder().apiKey("sk-wrong")
                .baseUrl(openai.baseUrl().toString()).maxRetries(0).build();
        try {
            UnauthorizedException failure = catchThrowableOfType(UnauthorizedException.class,
                    () -> wrong.chat().completions().create(HELLO));

            assertThat(failure.code()).contains("invalid_api_key");
        } finally {
            wrong.close();
        }
    }
}
