package io.portcullis.plugins.pii;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import java.util.ArrayList;
import java.util.List;

/**
 * Phone numbers, with libphonenumber as the judge. A cheap scan picks phone-shaped candidates (7 to 15 digits with
 * the separators people type, an optional {@code +} and extension), bounded to 28 characters each; libphonenumber then
 * decides:
 * <ul>
 *   <li>{@code +} and a country code: a possible number of that country;</li>
 *   <li>ten digits or more that are a valid number of the default region ({@code 905-674-3793});</li>
 *   <li>anything else only when words nearby say it is a phone number ({@code Phone:}, {@code call me on},
 *       {@code fax}): then a valid number of any of {@code phoneRegions}, or a possible one when it is written with
 *       separators. Street numbers and postcodes ({@code 370 3911 Fourth Avenue}) are what this keeps out.</li>
 * </ul>
 * Shapes that are dates ({@code 2024-01-15}, {@code 15.01.2024}), alone or starting a timestamp, are never phone
 * numbers.
 */
final class PhoneDetector implements Detector {

    static final String TYPE = "PHONE";
    private static final int MAX_CANDIDATE = 28;
    /** How many later starts a failed candidate is tried again from ("ref 12 905-674-3793"). */
    private static final int MAX_RETRIES = 2;
    /** Single-digit groups a phone number may have ("+1", "(0)"); "1 1 1 1 …" is not a phone number. */
    private static final int MAX_ONE_DIGIT_GROUPS = 2;
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int CONTEXT_BEFORE = 48;
    private static final int CONTEXT_AFTER = 16;
    /** Words before a number that say it is a phone number. */
    private static final List<String> WORDS_BEFORE = List.of("phone", "tel", "call", "mobile", "cell", "fax",
            "desk", "contact", "reach", "sms", "whatsapp", "dial", "text me", "message", "answering", "landline",
            "ring");
    /** Labels after a number ("… 1693-Office", "… 58 fax"); "office" only here, as "office is at 17031 …" is not. */
    private static final List<String> WORDS_AFTER = List.of("office", "fax", "mobile", "cell", "home", "work", "desk",
            "phone");

    private final String defaultRegion;
    private final List<String> regions;

    /**
     * @param defaultRegion the region national numbers are read in first (ISO 3166 code, {@code US})
     * @param otherRegions  further regions a number with separators may be valid in
     */
    PhoneDetector(String defaultRegion, List<String> otherRegions) {
        this.defaultRegion = defaultRegion;
        List<String> all = new ArrayList<>();
        all.add(defaultRegion);
        for (String region : otherRegions) {
            if (!all.contains(region)) {
                all.add(region);
            }
        }
        this.regions = List.copyOf(all);
    }

    /** @return whether libphonenumber knows this region code */
    static boolean isKnownRegion(String region) {
        return PHONES.getSupportedRegions().contains(region);
    }

    @Override
    public void scan(String text, List<Finding> into) {
        int n = text.length();
        // Numbers the other detectors already took (cards, IBANs, SSNs, addresses) are not asked about again: the
        // phone detector runs last, and libphonenumber's parsing is the costliest step of a scan.
        java.util.BitSet taken = new java.util.BitSet(n);
        for (Finding finding : into) {
            taken.set(finding.start(), finding.end());
        }
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (taken.get(i) || !(c == '+' || c == '(' || Chars.isDigit(c)) || !Chars.numberStartsAt(text, i)
                    || (c == '+' && Chars.isDigit(Chars.at(text, i - 1)))) {
                i++;
                continue;
            }
            int end = candidateEnd(text, i);
            if (end <= i) { // "(" or "+" with no digits after it
                i++;
                continue;
            }
            int nextTaken = taken.nextSetBit(i);
            if (nextTaken >= 0 && nextTaken < end) {
                i = Math.max(nextTaken, i + 1);
                continue;
            }
            int found = judge(text, i, end);
            if (found < 0) {
                // "ref 12 905-674-3793": try again from the next group after a space
                int space = text.indexOf(' ', i, end);
                int retries = 0;
                while (found < 0 && space > 0 && space < end - 1 && retries++ < MAX_RETRIES) {
                    int from = space + 1;
                    if (Chars.isDigit(text.charAt(from)) || text.charAt(from) == '(' || text.charAt(from) == '+') {
                        found = judge(text, from, end);
                        if (found >= 0) {
                            into.add(new Finding(TYPE, from, found));
                        }
                    }
                    space = text.indexOf(' ', from, end);
                }
            } else {
                into.add(new Finding(TYPE, i, found));
            }
            i = Math.max(end, i + 1);
        }
    }

    /** The end of the phone-shaped run from {@code start}: digits, single separators, {@code (0)}, an extension. */
    private static int candidateEnd(String text, int start) {
        int n = text.length();
        int i = start;
        int lastDigit = -1;
        int separators = 0;
        while (i < n && i - start < MAX_CANDIDATE) {
            char c = text.charAt(i);
            if (Chars.isDigit(c)) {
                lastDigit = i;
                separators = 0;
            } else if ((c == '+' && i == start) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'
                    || c == '/') {
                if (++separators > 2) {
                    break;
                }
            } else {
                break;
            }
            i++;
        }
        int end = lastDigit + 1;
        // an extension: x123, ext. 123
        int x = end;
        if (x < n && (text.charAt(x) == 'x' || text.startsWith("ext", x) || text.startsWith(" ext", x))) {
            int j = x;
            while (j < n && j - x < 6 && !Chars.isDigit(text.charAt(j))) {
                j++;
            }
            int digitsStart = j;
            while (j < n && j - digitsStart < 6 && Chars.isDigit(text.charAt(j))) {
                j++;
            }
            if (j > digitsStart) {
                end = j;
            }
        }
        return end;
    }

    /** @return the end of the phone number at {@code [start, end)}, or -1 when it is not one */
    private int judge(String text, int start, int end) {
        boolean labelled = Chars.at(text, end) == '-' && Character.isLetter(Chars.at(text, end + 1)); // "-Office"
        if (end <= start || !(Chars.numberEndsAt(text, end) || labelled)) {
            return -1;
        }
        String candidate = text.substring(start, end);
        int digits = 0;
        boolean separated = false;
        for (int k = 0; k < candidate.length(); k++) {
            char c = candidate.charAt(k);
            if (Chars.isDigit(c)) {
                digits++;
            } else if (c == 'x' || c == 'e') {
                break;
            } else if (c != '+') {
                separated = true;
            }
        }
        int space = candidate.indexOf(' ');
        if (digits < 7 || digits > 17 || oneDigitGroups(candidate) > MAX_ONE_DIGIT_GROUPS || looksLikeDate(candidate)
                || (space > 0 && looksLikeDate(candidate.substring(0, space))) // a log line's "2024-01-15 14:32"
                || looksLikeDecimal(candidate)) {
            return -1;
        }
        try {
            if (candidate.startsWith("+")) {
                return PHONES.isPossibleNumber(PHONES.parse(withoutTrunkZero(candidate), "ZZ")) ? end : -1;
            }
            boolean context = hasPhoneContext(text, start, end);
            if (!context && digits < 10) {
                return -1;
            }
            PhoneNumber home = PHONES.parse(candidate, defaultRegion);
            if (digits >= 10 && PHONES.isValidNumber(home)) {
                return end;
            }
            if (!context) {
                return -1;
            }
            // Said to be a phone number: any region's numbering plan will do, bare digits included.
            for (String region : regions) {
                PhoneNumber number = PHONES.parse(candidate, region);
                if (PHONES.isValidNumber(number) || (separated && PHONES.isPossibleNumber(number))) {
                    return end;
                }
            }
            return PHONES.isPossibleNumber(home) ? end : -1;
        } catch (NumberParseException e) {
            return -1;
        }
    }

    /** {@code +41 (0)69 …}: the trunk zero in brackets is for dialling at home, not part of the number. */
    private static String withoutTrunkZero(String candidate) {
        return candidate.replace("(0)", "");
    }

    /**
     * Whether words around the number say it is a phone number: {@code Phone:}, {@code call me on}, {@code fax},
     * {@code -Office}. Numbers that only might be one in some country's plan (street numbers and postcodes
     * are the usual lookalikes) need this.
     */
    static boolean hasPhoneContext(String text, int start, int end) {
        return mentions(text.substring(Math.max(0, start - CONTEXT_BEFORE), start), WORDS_BEFORE)
                || mentions(text.substring(end, Math.min(text.length(), end + CONTEXT_AFTER)), WORDS_AFTER);
    }

    private static boolean mentions(String window, List<String> words) {
        String lower = window.toLowerCase(java.util.Locale.ROOT);
        for (String word : words) {
            for (int at = lower.indexOf(word); at >= 0; at = lower.indexOf(word, at + 1)) {
                if (at == 0 || !Character.isLetter(lower.charAt(at - 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int oneDigitGroups(String candidate) {
        int groups = 0;
        int run = 0;
        for (int k = 0; k <= candidate.length(); k++) {
            if (k < candidate.length() && Chars.isDigit(candidate.charAt(k))) {
                run++;
            } else {
                if (run == 1) {
                    groups++;
                }
                run = 0;
            }
        }
        return groups;
    }

    /** {@code 2024-01-15}, {@code 15.01.2024}, {@code 01/15/2024}: three groups, a four-digit year first or last. */
    private static boolean looksLikeDate(String candidate) {
        String[] groups = candidate.split("[-./]", -1);
        if (groups.length != 3) {
            return false;
        }
        for (String group : groups) {
            if (group.isEmpty() || !group.chars().allMatch(c -> Chars.isDigit((char) c))) {
                return false;
            }
        }
        return (groups[0].length() == 4 && groups[1].length() <= 2 && groups[2].length() <= 2)
                || (groups[2].length() == 4 && groups[0].length() <= 2 && groups[1].length() <= 2);
    }

    /** {@code 1234.56}, {@code 3.14159265}: one dot and nothing else between digits is a number, not a phone. */
    private static boolean looksLikeDecimal(String candidate) {
        int dots = 0;
        for (int k = 0; k < candidate.length(); k++) {
            char c = candidate.charAt(k);
            if (c == '.') {
                dots++;
            } else if (!Chars.isDigit(c)) {
                return false;
            }
        }
        return dots == 1;
    }
}
