package io.portcullis.plugins.auth;

import io.portcullis.api.context.Principal;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The constant-time property by construction, tested on the code path rather than with a clock: whatever is
 * presented, the same number of comparisons is made, each of two SHA-256 digests (never of the raw secrets, whose
 * common prefix could otherwise show in the time), with the JDK's constant-time {@link MessageDigest#isEqual}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConfiguredKeysTest {

    private static final List<String> SECRETS = List.of("sk-first-aaaaaaaa", "sk-second-bbbbbbb", "sk-third-ccccccc");

    private final List<byte[][]> comparisons = new ArrayList<>();

    private ConfiguredKeys keys() {
        BiPredicate<byte[], byte[]> watched = (presented, stored) -> {
            comparisons.add(new byte[][] {presented, stored});
            return MessageDigest.isEqual(presented, stored);
        };
        List<ConfiguredKeys.Stored> stored = SECRETS.stream()
                .map(s -> new ConfiguredKeys.Stored(Digests.sha256(s), new Principal(s, null, java.util.Set.of("*"),
                        null), null))
                .toList();
        return new ConfiguredKeys(stored, watched);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sk-first-aaaaaaaa", "sk-third-ccccccc", "sk-first-aaaaaaab", "x", "",
            "sk-second-bbbbbbb-and-more"})
    void every_stored_digest_is_compared_once_whether_the_secret_matches_first_last_almost_or_not_at_all(
            String presented) {
        keys().find(presented);

        assertThat(comparisons).hasSize(SECRETS.size());
        assertThat(comparisons).allSatisfy(pair -> {
            assertThat(pair[0]).as("presented digest").hasSize(32).isEqualTo(Digests.sha256(presented));
            assertThat(pair[1]).as("stored digest").hasSize(32);
        });
    }

    @Test
    void a_match_is_found_wherever_it_is_in_the_list_and_a_near_miss_is_not() {
        assertThat(keys().find("sk-third-ccccccc")).get().extracting(m -> m.principal().id())
                .isEqualTo("sk-third-ccccccc");
        assertThat(keys().find("sk-third-cccccc")).isEmpty();
    }

    @Test
    void keys_from_the_configuration_keep_only_the_digest_of_their_secret() {
        KeyEntry entry = new KeyEntry("plain", null, "sk-plain-secret", null, null, null, null, null);

        assertThat(entry.toString()).doesNotContain("sk-plain-secret");
        assertThat(new ConfiguredKeys(List.of(entry)).find("sk-plain-secret")).isPresent();
    }
}
