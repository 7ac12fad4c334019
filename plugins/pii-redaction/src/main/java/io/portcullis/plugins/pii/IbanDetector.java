package io.portcullis.plugins.pii;

import java.util.List;
import java.util.Map;

/**
 * IBANs, compact ({@code GB82WEST12345698765432}) or in groups of four ({@code GB82 WEST 1234 5698 7654 32}), in any
 * letter case: a known country code, exactly that country's length, and ISO 13616's mod-97 check. The length table is
 * SWIFT's IBAN registry.
 */
final class IbanDetector implements Detector {

    static final String TYPE = "IBAN";

    private static final Map<String, Integer> LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BI", 27),
            Map.entry("BR", 29), Map.entry("BY", 28), Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28),
            Map.entry("CZ", 24), Map.entry("DE", 22), Map.entry("DJ", 27), Map.entry("DK", 18), Map.entry("DO", 28),
            Map.entry("EE", 20), Map.entry("EG", 29), Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FK", 18),
            Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22), Map.entry("GE", 22), Map.entry("GI", 23),
            Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28), Map.entry("HN", 28), Map.entry("HR", 21),
            Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IQ", 23), Map.entry("IS", 26),
            Map.entry("IT", 27), Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20), Map.entry("LB", 28),
            Map.entry("LC", 32), Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20), Map.entry("LV", 21),
            Map.entry("LY", 25), Map.entry("MC", 27), Map.entry("MD", 24), Map.entry("ME", 22), Map.entry("MK", 19),
            Map.entry("MN", 20), Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30), Map.entry("NI", 28),
            Map.entry("NL", 18), Map.entry("NO", 15), Map.entry("OM", 23), Map.entry("PK", 24), Map.entry("PL", 28),
            Map.entry("PS", 29), Map.entry("PT", 25), Map.entry("QA", 29), Map.entry("RO", 24), Map.entry("RS", 22),
            Map.entry("RU", 33), Map.entry("SA", 24), Map.entry("SC", 31), Map.entry("SD", 18), Map.entry("SE", 24),
            Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("SO", 23), Map.entry("ST", 25),
            Map.entry("SV", 28), Map.entry("TL", 23), Map.entry("TN", 24), Map.entry("TR", 26), Map.entry("UA", 29),
            Map.entry("VA", 22), Map.entry("VG", 24), Map.entry("XK", 20), Map.entry("YE", 30));

    @Override
    public void scan(String text, List<Finding> into) {
        int n = text.length();
        for (int i = 0; i + 4 <= n; i++) {
            if (!(Chars.isAsciiLetter(text.charAt(i)) && Chars.isAsciiLetter(text.charAt(i + 1))
                    && Chars.isDigit(text.charAt(i + 2)) && Chars.isDigit(text.charAt(i + 3)))
                    || Chars.isWordChar(Chars.at(text, i - 1))) {
                continue;
            }
            Integer length = LENGTHS.get(text.substring(i, i + 2).toUpperCase(java.util.Locale.ROOT));
            if (length == null) {
                continue;
            }
            int end = readCharacters(text, i, length);
            if (end > 0 && !Chars.isWordChar(Chars.at(text, end)) && mod97(text, i, end) == 1) {
                into.add(new Finding(TYPE, i, end));
                i = end - 1;
            }
        }
    }

    /**
     * Reads {@code count} letters and digits from {@code start}, allowing one space between groups of four.
     *
     * @return the index after the last one, or -1 when the text has fewer
     */
    private static int readCharacters(String text, int start, int count) {
        int i = start;
        int read = 0;
        while (read < count) {
            if (i >= text.length()) {
                return -1;
            }
            char c = text.charAt(i);
            if (Chars.isAsciiAlnum(c)) {
                read++;
                i++;
            } else if (c == ' ' && read % 4 == 0 && i + 1 < text.length() && Chars.isAsciiAlnum(text.charAt(i + 1))) {
                i++;
            } else {
                return -1;
            }
        }
        return i;
    }

    /** ISO 7064 mod 97-10 over the IBAN rearranged (country and check digits moved to the end), letters as 10..35. */
    static int mod97(String text, int start, int end) {
        StringBuilder compact = new StringBuilder(34);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c != ' ') {
                compact.append(Character.toUpperCase(c));
            }
        }
        String rearranged = compact.substring(4) + compact.substring(0, 4);
        int remainder = 0;
        for (int i = 0; i < rearranged.length(); i++) {
            char c = rearranged.charAt(i);
            int value = Chars.isDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
        }
        return remainder;
    }
}
