package io.portcullis.plugins.pii;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code pii-redaction} block under {@code policies:}. Every key is optional.
 *
 * @param defaultAction what happens to a detected value whose type has no entry in {@code actions}: {@code mask}
 *                      (default), {@code redact}, {@code hash}, {@code block} or {@code allow}
 * @param actions       the action per entity type ({@code EMAIL: block}); a type set to {@code allow} is not scanned
 * @param defaultRegion the ISO 3166 region national phone numbers are read in first (default {@code US})
 * @param phoneRegions  further regions a phone number written with separators may be valid in (default a list of
 *                      European and North American regions)
 * @param redactWith    the text {@code redact} puts in place of a value (default {@code [REDACTED]})
 * @param hashKey       the HMAC key of {@code hash}; required when any type hashes; give every node the same key
 * @param restore       whether placeholders in the reply are turned back into the values (default true)
 * @param scanReplies   whether complete replies are scanned too, for values the model produced (default false)
 * @param custom        entities of the operator's own: a {@code pattern} (with an optional {@code validator}) or a
 *                      list of {@code words}
 */
public record PiiConfig(String defaultAction, Map<String, String> actions, String defaultRegion,
                        List<String> phoneRegions, String redactWith, String hashKey, Boolean restore,
                        Boolean scanReplies, List<CustomEntity> custom) {

    /** The built-in entity types, in the order their detectors take precedence when two findings overlap. */
    public static final List<String> BUILT_IN_TYPES = List.of(
            SecretDetector.PRIVATE_KEY, SecretDetector.JWT, SecretDetector.URL_CREDENTIALS, SecretDetector.API_KEY,
            SecretDetector.AWS_ACCESS_KEY, SecretDetector.GITHUB_TOKEN, EmailDetector.TYPE, IbanDetector.TYPE,
            CardDetector.TYPE, SsnDetector.TYPE, IpDetector.TYPE, PhoneDetector.TYPE);

    static final List<String> DEFAULT_PHONE_REGIONS = List.of("US", "CA", "GB", "IE", "FR", "DE", "AT", "CH", "IT",
            "ES", "PT", "NL", "BE", "LU", "DK", "SE", "NO", "FI", "IS", "PL", "CZ", "HU", "GR", "AU", "NZ");
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");

    /**
     * An operator-defined entity.
     *
     * @param name          its type name, upper case ({@code EMPLOYEE_ID}); placeholders read {@code <EMPLOYEE_ID_1>}
     * @param pattern       a Java regular expression for its values, or {@code null} when {@code words} is given
     * @param validator     {@code luhn} or {@code iban}: a match must also pass this check (optional)
     * @param words         words or phrases that are values of this type, matched as whole words
     * @param caseSensitive whether {@code words} match only in their own case (default false)
     */
    public record CustomEntity(String name, String pattern, String validator, List<String> words,
                               Boolean caseSensitive) {

        public CustomEntity {
            if (name == null || !TYPE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("custom[].name must be upper case letters, digits and _ "
                        + "(starting with a letter, at most 32), was " + name);
            }
            if ((pattern == null) == (words == null || words.isEmpty())) {
                throw new IllegalArgumentException("custom entity " + name + " needs either a pattern or words");
            }
            if (pattern != null) {
                try {
                    Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("custom entity " + name + ": pattern is not a regular "
                            + "expression: " + e.getDescription());
                }
            }
            if (validator != null && !CustomDetector.VALIDATORS.contains(validator)) {
                throw new IllegalArgumentException("custom entity " + name + ": validator must be one of "
                        + CustomDetector.VALIDATORS + ", was " + validator);
            }
            if (words != null && words.stream().anyMatch(word -> word == null || word.isBlank())) {
                throw new IllegalArgumentException("custom entity " + name + ": words must not be blank");
            }
            words = words == null ? null : List.copyOf(words);
        }
    }

    /** Fills in defaults and rejects what cannot work, naming the key. */
    public PiiConfig {
        defaultAction = defaultAction == null ? "mask" : defaultAction;
        Action.parse(defaultAction, "defaultAction");
        custom = custom == null ? List.of() : List.copyOf(custom);
        List<String> known = new ArrayList<>(BUILT_IN_TYPES);
        for (CustomEntity entity : custom) {
            if (known.contains(entity.name())) {
                throw new IllegalArgumentException("custom entity " + entity.name() + " is defined twice or has the "
                        + "name of a built-in type");
            }
            known.add(entity.name());
        }
        actions = actions == null ? Map.of() : new LinkedHashMap<>(actions);
        for (Map.Entry<String, String> entry : actions.entrySet()) {
            if (!known.contains(entry.getKey())) {
                throw new IllegalArgumentException("actions." + entry.getKey() + ": not an entity type; known types are "
                        + known);
            }
            Action.parse(entry.getValue(), "actions." + entry.getKey());
        }
        actions = Map.copyOf(actions);
        defaultRegion = defaultRegion == null ? "US" : defaultRegion;
        if (!PhoneDetector.isKnownRegion(defaultRegion)) {
            throw new IllegalArgumentException("defaultRegion must be an ISO 3166 region code such as US or DE, was "
                    + defaultRegion);
        }
        phoneRegions = phoneRegions == null ? DEFAULT_PHONE_REGIONS : List.copyOf(phoneRegions);
        for (String region : phoneRegions) {
            if (!PhoneDetector.isKnownRegion(region)) {
                throw new IllegalArgumentException("phoneRegions must hold ISO 3166 region codes, " + region
                        + " is not one");
            }
        }
        redactWith = redactWith == null ? "[REDACTED]" : redactWith;
        restore = restore == null || restore;
        scanReplies = scanReplies != null && scanReplies;
        boolean hashes = Action.parse(defaultAction, "defaultAction") == Action.HASH
                || actions.values().stream().anyMatch(a -> Action.parse(a, "actions") == Action.HASH);
        if (hashes && (hashKey == null || hashKey.length() < 16)) {
            throw new IllegalArgumentException("hashKey must be set (16 characters or more, the same on every node) "
                    + "when an entity type uses the hash action");
        }
    }

    /** @return the configuration of a block that sets no keys */
    public static PiiConfig defaults() {
        return new PiiConfig(null, null, null, null, null, null, null, null, null);
    }

    /** @return the action for values of this type */
    Action actionFor(String type) {
        String action = actions.get(type);
        return Action.parse(action == null ? defaultAction : action, "actions." + type);
    }

    /** Shows every key but the HMAC key, so that logging a configuration never leaks it. */
    @Override
    public String toString() {
        return "PiiConfig[defaultAction=" + defaultAction + ", actions=" + actions + ", defaultRegion=" + defaultRegion
                + ", phoneRegions=" + phoneRegions + ", redactWith=" + redactWith + ", hashKey="
                + (hashKey == null ? "unset" : "(set)") + ", restore=" + restore + ", scanReplies=" + scanReplies
                + ", custom=" + custom + "]";
    }
}
