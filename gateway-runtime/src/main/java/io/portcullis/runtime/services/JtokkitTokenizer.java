package io.portcullis.runtime.services;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.portcullis.api.service.Tokenizer;

import java.util.List;
import java.util.Locale;

/**
 * The platform's {@link Tokenizer}: tiktoken's encodings through jtokkit.
 *
 * <p>{@code o200k_base} counts for the GPT-4o generation and newer (gpt-4o*, chatgpt-4o*, gpt-4.1*, gpt-5*, and
 * the o1/o3/o4 reasoning models); {@code cl100k_base} for everything else: gpt-4, gpt-3.5, other vendors' models
 * and {@code mock}, where it is as good an estimate as any. A provider prefix ({@code openai/gpt-4o}) is ignored.
 *
 * <p>Thread-safe: the two encodings are loaded once per JVM and shared, since jtokkit's {@link Encoding}s are
 * immutable and loading one parses a vocabulary of up to 200k entries. Only these two are ever loaded.
 */
public final class JtokkitTokenizer implements Tokenizer {

    /** Model-name prefixes (lower case) that tiktoken maps to {@code o200k_base}. */
    private static final List<String> O200K_PREFIXES =
            List.of("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4");

    // Shared by every instance and loaded once, when the class initialises (the platform builds its tokenizer at
    // start, so no request waits for the vocabularies to parse).
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    /** A tokenizer over the JVM's shared encodings. */
    public JtokkitTokenizer() {
        // Nothing to build: the encodings are the class's.
    }

    @Override
    public int count(String model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        // Ordinary encoding: text that happens to contain "<|endoftext|>" is user text, not a control token, and
        // must be counted rather than rejected.
        return encodingFor(model).countTokensOrdinary(text);
    }

    /**
     * @param model a model name as the request names it, or {@code null}
     * @return the name of the encoding used for it ({@code o200k_base} or {@code cl100k_base})
     */
    public String encodingName(String model) {
        return encodingFor(model).getName();
    }

    private Encoding encodingFor(String model) {
        if (model == null) {
            return CL100K;
        }
        String name = model.substring(model.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        for (String prefix : O200K_PREFIXES) {
            if (name.startsWith(prefix)) {
                return O200K;
            }
        }
        return CL100K;
    }
}
