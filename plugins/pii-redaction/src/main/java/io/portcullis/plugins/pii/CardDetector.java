package io.portcullis.plugins.pii;

import java.util.List;

/**
 * Payment card numbers: 12 to 19 digits, whole or in groups joined by spaces or dashes, that pass Luhn's check and
 * start with an issuer identification number of a card scheme whose lengths include this one. A random 16-digit
 * number passes Luhn one time in ten; the IIN and length rules cut that further, and the number must stand alone
 * (not inside a longer word, version or identifier).
 */
final class CardDetector implements Detector {

    static final String TYPE = "CREDIT_CARD";
    private static final int MAX_GROUPS = 8;

    @Override
    public void scan(String text, List<Finding> into) {
        int i = 0;
        while (i < text.length()) {
            if (!Chars.isDigit(text.charAt(i)) || (i > 0 && Chars.isDigit(text.charAt(i - 1)))) {
                i++;
                continue;
            }
            DigitGroups run = DigitGroups.read(text, i, " -", MAX_GROUPS);
            int next = run.ends()[run.count() - 1];
            if (run.digitCount(0, run.count() - 1) < 12) {
                i = next;
                continue;
            }
            // The longest stretch of whole groups that is a card number, trying later starts when the run carries a
            // number before the card ("order 12 4111 1111 1111 1111").
            search:
            for (int from = 0; from < run.count(); from++) {
                if (!Chars.numberStartsAt(text, run.starts()[from])) {
                    continue;
                }
                for (int to = run.count() - 1; to >= from; to--) {
                    int digits = run.digitCount(from, to);
                    if (digits < 12 || digits > 19 || !Chars.numberEndsAt(text, run.ends()[to])) {
                        continue;
                    }
                    String number = run.digits(text, from, to);
                    if (isCardNumber(number)) {
                        into.add(new Finding(TYPE, run.starts()[from], run.ends()[to]));
                        break search;
                    }
                }
            }
            i = next;
        }
    }

    static boolean isCardNumber(String digits) {
        return Chars.luhn(digits) && issuerAccepts(digits);
    }

    /** The card schemes' IIN ranges and the lengths they issue. */
    static boolean issuerAccepts(String d) {
        int len = d.length();
        int p1 = d.charAt(0) - '0';
        int p2 = Integer.parseInt(d.substring(0, 2));
        int p3 = Integer.parseInt(d.substring(0, 3));
        int p4 = Integer.parseInt(d.substring(0, 4));
        int p6 = Integer.parseInt(d.substring(0, 6));
        if (p1 == 4) {                                            // Visa
            return len == 13 || len == 16 || len == 19;
        }
        if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) { // Mastercard
            return len == 16;
        }
        if (p4 >= 2200 && p4 <= 2204) {                           // Mir
            return len >= 16 && len <= 19;
        }
        if (p2 == 34 || p2 == 37) {                               // American Express
            return len == 15;
        }
        if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39 || p4 == 3095) { // Diners Club
            return len >= 14 && len <= 19;
        }
        // JCB is assigned 3528-3589; the rest of 35 is accepted too, as card test generators use it.
        if (p2 == 35) {                                           // JCB
            return len >= 16 && len <= 19;
        }
        if (p4 == 1800 || p4 == 2131) {                           // JCB, 15 digits
            return len == 15;
        }
        if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) { // Discover
            return len >= 16 && len <= 19;
        }
        if (p2 == 62) {                                           // UnionPay
            return len >= 16 && len <= 19;
        }
        if (p2 == 50 || (p2 >= 56 && p2 <= 69)) {                 // Maestro
            return len >= 12 && len <= 19;
        }
        return false;
    }
}
