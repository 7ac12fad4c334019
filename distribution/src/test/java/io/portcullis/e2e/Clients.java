package io.portcullis.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.portcullis.testkit.RunningGateway;

import java.time.Duration;

/**
 * The official SDK clients the e2e tests call the gateway with, all set up alike (no retries, so that a test sees
 * each answer as it is; a bounded timeout, so that a hung call fails the test), and the closing of what a test class
 * started.
 */
final class Clients {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Clients() {
    }

    /** An OpenAI client of the gateway's {@code /v1} API with this key. */
    static OpenAIClient openAi(RunningGateway gateway, String apiKey) {
        return openAi(gateway.baseUrl() + "/v1", apiKey);
    }

    /** An OpenAI client of any OpenAI-compatible server ({@code baseUrl} ending with {@code /v1}). */
    static OpenAIClient openAi(String baseUrl, String apiKey) {
        return OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(apiKey).maxRetries(0).timeout(TIMEOUT).build();
    }

    /** An Anthropic client of the gateway's Messages API with this key. */
    static AnthropicClient anthropic(RunningGateway gateway, String apiKey) {
        return AnthropicOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(apiKey).maxRetries(0)
                .timeout(TIMEOUT).build();
    }

    /**
     * Closes, in the order given, what a test class started: SDK clients (which are not {@link AutoCloseable}) and
     * anything {@link AutoCloseable}; what never started ({@code null}, a failed set-up) is skipped.
     */
    static void closeAll(Object... started) throws Exception {
        for (Object resource : started) {
            switch (resource) {
                case null -> {
                }
                case AutoCloseable closeable -> closeable.close();
                case OpenAIClient client -> client.close();
                case AnthropicClient client -> client.close();
                default -> throw new IllegalArgumentException("cannot close a " + resource.getClass());
            }
        }
    }
}
