package io.portcullis.plugins.pii;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each detector takes and, as importantly, what its validator refuses. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ScannerTest {

    private final Scanner scanner = new Scanner(PiiConfig.defaults());

    private List<String> found(String text) {
        return scanner.scan(text).stream().map(f -> f.type() + "=" + text.substring(f.start(), f.end())).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "write to jane.doe+news@example.co.uk today | EMAIL=jane.doe+news@example.co.uk",
            "card 4111 1111 1111 1111 expires soon | CREDIT_CARD=4111 1111 1111 1111",
            "card 5500-0000-0000-0004. | CREDIT_CARD=5500-0000-0000-0004",
            "amex 378282246310005 | CREDIT_CARD=378282246310005",
            "iban GB82 WEST 1234 5698 7654 32 please | IBAN=GB82 WEST 1234 5698 7654 32",
            "iban DE89370400440532013000 | IBAN=DE89370400440532013000",
            "ssn 123-45-6789 | US_SSN=123-45-6789",
            "from 203.0.113.7 | IP_ADDRESS=203.0.113.7",
            "from 10.1.2.3:8080 | IP_ADDRESS=10.1.2.3",
            "v6 2001:db8::8a2e:370:7334 | IP_ADDRESS=2001:db8::8a2e:370:7334",
            "call me at 415-555-0132 | PHONE=415-555-0132",
            "ring +44 20 7946 0958 | PHONE=+44 20 7946 0958",
            "key sk-proj-abcdefghijklmnopqrstuvwxyz012345 | API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz012345",
            "AKIAIOSFODNN7EXAMPLE in env | AWS_ACCESS_KEY=AKIAIOSFODNN7EXAMPLE",
            "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 | GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x | JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x",
            "db postgres://admin:s3cret@db.internal:5432/app | URL_CREDENTIALS=admin:s3cret",
    })
    void it_finds(String text, String expected) {
        assertThat(found(text)).containsExactly(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "card 4111 1111 1111 1112 (Luhn fails)",
            "number 9111111111111111 (no scheme starts with 9)",
            "iban GB82 WEST 1234 5698 7654 33 (mod-97 fails)",
            "iban GB82WEST123456987654 (too short for GB)",
            "ssn 000-12-3456 and 666-12-3456 and 912-12-3456 and 123-00-4567 and 123-45-0000",
            "addr 256.1.1.1 and 1.2.3.4.5",
            "plain 1234567 with nothing around it that says what it is",
    })
    void it_refuses(String text) {
        assertThat(found(text)).isEmpty();
    }

    @Test
    void a_private_key_block_is_one_finding_even_without_its_end() {
        String key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        assertThat(found("here: " + key + " done")).containsExactly("PRIVATE_KEY=" + key);
        assertThat(found("cut -----BEGIN PRIVATE KEY-----\nMIIE")).containsExactly(
                "PRIVATE_KEY=-----BEGIN PRIVATE KEY-----\nMIIE");
    }

    @Test
    void custom_entities_by_pattern_with_validator_and_by_word_list() {
        PiiConfig config = new PiiConfig(null, null, null, null, null, null, null, null, List.of(
                new PiiConfig.CustomEntity("EMPLOYEE_ID", "EMP-\\d{6}", null, null, null),
                new PiiConfig.CustomEntity("LOYALTY_CARD", "\\b\\d{8}\\b", "luhn", null, null),
                new PiiConfig.CustomEntity("PROJECT", null, null, List.of("Bluebird", "Blue Bird"), null)));
        Scanner custom = new Scanner(config);
        String text = "EMP-123456 asked about project bluebird; loyalty 12345674 not 12345678; Bluebirds no";

        assertThat(custom.scan(text)).map(f -> f.type() + "=" + text.substring(f.start(), f.end()))
                .containsExactly("EMPLOYEE_ID=EMP-123456", "PROJECT=bluebird", "LOYALTY_CARD=12345674");
    }

    @Test
    void a_backtracking_custom_pattern_is_stopped_instead_of_hanging_the_request() {
        Scanner custom = new Scanner(new PiiConfig(null, null, null, null, null, null, null, null, List.of(
                new PiiConfig.CustomEntity("BAD", "(a+)+b", null, null, null))));

        assertThatThrownBy(() -> custom.scan("a".repeat(5_000) + "!"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("custom entity BAD");
    }

    @Test
    void allow_switches_a_type_off() {
        Scanner allowing = new Scanner(new PiiConfig(null, Map.of("EMAIL", "allow"), null, null, null, null, null,
                null, null));

        assertThat(allowing.scan("mail a@example.com")).isEmpty();
    }

    @Test
    void the_configuration_names_what_is_wrong() {
        assertThatThrownBy(() -> new PiiConfig(null, Map.of("EMAILS", "mask"), null, null, null, null, null, null,
                null)).hasMessageContaining("actions.EMAILS");
        assertThatThrownBy(() -> new PiiConfig(null, Map.of("EMAIL", "scramble"), null, null, null, null, null, null,
                null)).hasMessageContaining("actions.EMAIL must be one of");
        assertThatThrownBy(() -> new PiiConfig("hash", null, null, null, null, null, null, null, null))
                .hasMessageContaining("hashKey");
        assertThatThrownBy(() -> new PiiConfig(null, null, "XX", null, null, null, null, null, null))
                .hasMessageContaining("defaultRegion");
        assertThat(new PiiConfig("hash", null, null, null, null, "0123456789abcdef-secret", null, null, null)
                .toString()).doesNotContain("secret");
    }
}
