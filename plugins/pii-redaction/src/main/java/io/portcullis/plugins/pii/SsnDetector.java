package io.portcullis.plugins.pii;

import java.util.List;

/**
 * US Social Security numbers written {@code AAA-GG-SSSS} or {@code AAA GG SSSS} (the same separator twice). Numbers
 * the SSA never issues are not matches: area 000, 666 or 900–999, group 00, serial 0000, and the two numbers printed
 * in advertising (078-05-1120, 219-09-9999). Nine bare digits are left alone: too many other things look like that.
 */
final class SsnDetector implements Detector {

    static final String TYPE = "US_SSN";

    @Override
    public void scan(String text, List<Finding> into) {
        int n = text.length();
        for (int i = 0; i + 11 <= n; i++) {
            char sep = text.charAt(i + 3);
            if ((sep != '-' && sep != ' ') || text.charAt(i + 6) != sep
                    || !digits(text, i, 3) || !digits(text, i + 4, 2) || !digits(text, i + 7, 4)
                    || !Chars.numberStartsAt(text, i) || !Chars.numberEndsAt(text, i + 11)
                    || Chars.isDigit(Chars.at(text, i + 11))) {
                continue;
            }
            if (isIssuable(Integer.parseInt(text, i, i + 3, 10), Integer.parseInt(text, i + 4, i + 6, 10),
                    Integer.parseInt(text, i + 7, i + 11, 10))) {
                into.add(new Finding(TYPE, i, i + 11));
                i += 10;
            }
        }
    }

    static boolean isIssuable(int area, int group, int serial) {
        if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
            return false;
        }
        return !(area == 78 && group == 5 && serial == 1120) && !(area == 219 && group == 9 && serial == 9999);
    }

    private static boolean digits(String text, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!Chars.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
