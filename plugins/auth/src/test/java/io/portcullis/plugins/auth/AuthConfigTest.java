package io.portcullis.plugins.auth;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AuthConfigTest {

    @Test
    void a_key_needs_exactly_one_of_hash_and_key_and_says_so_without_printing_the_secret() {
        assertThatThrownBy(() -> new KeyEntry("k", null, "", null, null, null, null, null))
                .hasMessageContaining("exactly one of hash").hasMessageContaining("${ENV}");
        assertThatThrownBy(() -> new KeyEntry("k", "sha256:" + "0".repeat(64), "sk-secret", null, null, null, null,
                null)).hasMessageContaining("not both").hasMessageNotContaining("sk-secret");
    }

    @Test
    void a_hash_must_be_sha256_hex_and_an_expiry_a_date_or_instant() {
        assertThatThrownBy(() -> new KeyEntry("k", "md5:abc", null, null, null, null, null, null))
                .hasMessageContaining("keys[k].hash");
        assertThatThrownBy(() -> new KeyEntry("k", null, "sk-x", null, null, null, null, "next tuesday"))
                .hasMessageContaining("keys[k].expiresAt");
    }

    @Test
    void a_configuration_that_could_let_nobody_in_is_refused() {
        assertThatThrownBy(() -> new AuthConfig(List.of(), null, false)).hasMessageContaining("nothing could ever");
        assertThatThrownBy(() -> new AuthConfig(List.of(new KeyEntry("k", null, "a", null, null, null, null, null),
                new KeyEntry("k", null, "b", null, null, null, null, null)), null, null))
                .hasMessageContaining("unique");
    }
}
