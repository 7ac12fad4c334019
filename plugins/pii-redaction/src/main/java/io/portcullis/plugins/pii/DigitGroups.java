package io.portcullis.plugins.pii;

import java.util.ArrayList;
import java.util.List;

/**
 * A run of digit groups joined by single separators, as card numbers and other printed numbers are written
 * ({@code 4111 1111 1111 1111}, {@code 4111-1111-1111-1111}): the start and end of each group.
 */
record DigitGroups(int[] starts, int[] ends) {

    int count() {
        return starts.length;
    }

    /** @return the digits of groups {@code from} to {@code to} (inclusive), without separators */
    String digits(String text, int from, int to) {
        StringBuilder digits = new StringBuilder(24);
        for (int g = from; g <= to; g++) {
            digits.append(text, starts[g], ends[g]);
        }
        return digits.toString();
    }

    int digitCount(int from, int to) {
        int n = 0;
        for (int g = from; g <= to; g++) {
            n += ends[g] - starts[g];
        }
        return n;
    }

    /**
     * Reads the run that starts at {@code start} (a digit): groups of digits, each joined to the next by exactly one
     * of {@code separators}; at most {@code maxGroups} groups, so that the work per run is bounded.
     *
     * @return the groups; the run ends at {@code ends[count - 1]}
     */
    static DigitGroups read(String text, int start, String separators, int maxGroups) {
        List<int[]> groups = new ArrayList<>();
        int i = start;
        while (groups.size() < maxGroups) {
            int groupStart = i;
            while (i < text.length() && Chars.isDigit(text.charAt(i))) {
                i++;
            }
            groups.add(new int[] {groupStart, i});
            if (i + 1 < text.length() && separators.indexOf(text.charAt(i)) >= 0 && Chars.isDigit(text.charAt(i + 1))) {
                i++;
            } else {
                break;
            }
        }
        int[] starts = new int[groups.size()];
        int[] ends = new int[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            starts[g] = groups.get(g)[0];
            ends[g] = groups.get(g)[1];
        }
        return new DigitGroups(starts, ends);
    }
}
