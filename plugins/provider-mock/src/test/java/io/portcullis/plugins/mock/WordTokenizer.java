package io.portcullis.plugins.mock;

import io.portcullis.api.service.Tokenizer;

/** A tokenizer whose counts a reader can check by eye: one token per whitespace-separated word. */
final class WordTokenizer implements Tokenizer {

    @Override
    public int count(String model, String text) {
        String trimmed = text == null ? "" : text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }
}
