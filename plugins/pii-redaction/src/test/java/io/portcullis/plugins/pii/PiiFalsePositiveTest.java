package io.portcullis.plugins.pii;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Code, versions, dates, hashes, UUIDs, order numbers and the like are not personal data and come back unchanged. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PiiFalsePositiveTest {

    @Test
    void the_technical_corpus_has_no_findings_and_passes_unchanged() throws IOException {
        String corpus;
        try (InputStream in = getClass().getResourceAsStream("/technical-corpus.txt")) {
            corpus = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Scanner scanner = new Scanner(PiiConfig.defaults());

        List<String> found = scanner.scan(corpus).stream()
                .map(f -> f.type() + " " + corpus.substring(f.start(), f.end())).toList();
        Redaction redaction = new Redaction(scanner, PiiConfig.defaults(), null);

        assertThat(found).isEmpty();
        assertThat(redaction.apply(corpus, "messages[0].content")).isEqualTo(corpus);
    }
}
