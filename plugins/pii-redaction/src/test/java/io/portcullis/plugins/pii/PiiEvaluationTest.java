package io.portcullis.plugins.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Precision, recall and F1 per covered entity type over presidio-research's labelled synthetic sentences (see
 * {@code presidio-research/README.md} in the test resources). A finding counts as correct when it overlaps a labelled
 * span of the same type; a labelled span counts as found when a finding of its type overlaps it. The floors are the
 * ones recorded in {@code docs/pii.md}: a change that drops a type below them fails here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PiiEvaluationTest {

    /** The data set's label → this plugin's type. */
    private static final Map<String, String> LABELS = Map.of(
            "EMAIL_ADDRESS", EmailDetector.TYPE,
            "PHONE_NUMBER", PhoneDetector.TYPE,
            "CREDIT_CARD", CardDetector.TYPE,
            "IBAN_CODE", IbanDetector.TYPE,
            "US_SSN", SsnDetector.TYPE,
            "IP_ADDRESS", IpDetector.TYPE);

    /** Floors per type: {precision, recall}. */
    static final Map<String, double[]> FLOORS = Map.of(
            EmailDetector.TYPE, new double[] {0.95, 0.95},
            PhoneDetector.TYPE, new double[] {0.95, 0.95},
            CardDetector.TYPE, new double[] {0.95, 0.95},
            IbanDetector.TYPE, new double[] {0.95, 0.95},
            SsnDetector.TYPE, new double[] {0.95, 0.95},
            IpDetector.TYPE, new double[] {0.95, 0.95});

    private static final Map<String, Score> SCORES = new LinkedHashMap<>();

    static final class Score {
        int predicted;
        int correct;
        int labelled;
        int found;
        final List<String> misses = new ArrayList<>();
        final List<String> falseAlarms = new ArrayList<>();

        double precision() {
            return predicted == 0 ? 1.0 : (double) correct / predicted;
        }

        double recall() {
            return labelled == 0 ? 1.0 : (double) found / labelled;
        }

        double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    private record Span(String type, int start, int end) {
        boolean overlaps(Finding finding) {
            return type.equals(finding.type()) && finding.start() < end && start < finding.end();
        }
    }

    @BeforeAll
    static void evaluate() throws IOException {
        JsonNode samples;
        try (InputStream in = PiiEvaluationTest.class.getResourceAsStream("/presidio-research/synth_dataset_v2.json")) {
            samples = new ObjectMapper().readTree(in);
        }
        Scanner scanner = new Scanner(PiiConfig.defaults());
        LABELS.values().forEach(type -> SCORES.put(type, new Score()));
        for (JsonNode sample : samples) {
            String text = sample.get("full_text").asText();
            List<Span> spans = new ArrayList<>();
            for (JsonNode span : sample.get("spans")) {
                String type = LABELS.get(span.get("entity_type").asText());
                if (type != null) {
                    spans.add(new Span(type, span.get("start_position").asInt(), span.get("end_position").asInt()));
                }
            }
            List<Finding> findings = scanner.scan(text).stream().filter(f -> SCORES.containsKey(f.type())).toList();
            for (Finding finding : findings) {
                Score score = SCORES.get(finding.type());
                score.predicted++;
                if (spans.stream().anyMatch(span -> span.overlaps(finding))) {
                    score.correct++;
                } else {
                    score.falseAlarms.add(text.substring(finding.start(), finding.end()));
                }
            }
            for (Span span : spans) {
                Score score = SCORES.get(span.type());
                score.labelled++;
                if (findings.stream().anyMatch(span::overlaps)) {
                    score.found++;
                } else {
                    score.misses.add(text.substring(span.start(), span.end()));
                }
            }
        }
        System.out.println("| type | labelled | found | predicted | precision | recall | F1 |");
        System.out.println("|---|---|---|---|---|---|---|");
        SCORES.forEach((type, s) -> System.out.printf("| %s | %d | %d | %d | %.3f | %.3f | %.3f |%n", type,
                s.labelled, s.found, s.predicted, s.precision(), s.recall(), s.f1()));
        SCORES.forEach((type, s) -> {
            if (!s.misses.isEmpty() || !s.falseAlarms.isEmpty()) {
                System.out.println(type + " missed " + s.misses + " false alarms " + s.falseAlarms);
            }
        });
    }

    @Test
    void every_covered_type_is_labelled_in_the_data_set() {
        assertThat(SCORES.values()).allSatisfy(score -> assertThat(score.labelled).isPositive());
    }

    @Test
    void precision_is_at_or_above_each_types_floor() {
        assertThat(SCORES).allSatisfy((type, score) ->
                assertThat(score.precision()).as("precision of " + type).isGreaterThanOrEqualTo(FLOORS.get(type)[0]));
    }

    @Test
    void recall_is_at_or_above_each_types_floor() {
        assertThat(SCORES).allSatisfy((type, score) ->
                assertThat(score.recall()).as("recall of " + type).isGreaterThanOrEqualTo(FLOORS.get(type)[1]));
    }
}
