package io.portcullis.plugins.pii;

import java.util.List;

/**
 * IPv4 addresses (four decimal octets, each 0–255 without leading zeros) and IPv6 addresses (RFC 4291 text forms,
 * with at most one {@code ::} and an optional trailing IPv4 part), parsed by hand rather than matched by a regular
 * expression. Addresses that say nothing about a person are left alone: loopback, unspecified ({@code 0.0.0.0},
 * {@code ::}) and netmasks ({@code 255.255.255.0}). A dotted quad inside a longer dotted number (a version such as
 * {@code 1.2.3.4.5}) is not an address.
 */
final class IpDetector implements Detector {

    static final String TYPE = "IP_ADDRESS";
    private static final int MAX_V6 = 45;

    @Override
    public void scan(String text, List<Finding> into) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            char before = Chars.at(text, i - 1);
            boolean runStart = !Chars.isHex(before) && before != ':' && before != '.' && !Chars.isWordChar(before);
            if (runStart && (Chars.isHex(c) || c == ':')) {
                int end = i;
                while (end < n && end - i <= MAX_V6 && (Chars.isHex(text.charAt(end)) || text.charAt(end) == ':'
                        || text.charAt(end) == '.')) {
                    end++;
                }
                while (end > i && (text.charAt(end - 1) == '.' || (text.charAt(end - 1) == ':'
                        && !(end - 2 >= i && text.charAt(end - 2) == ':')))) {
                    end--; // a sentence's full stop, or the colon of "address: ..."
                }
                int found = -1;
                if (end - i <= MAX_V6 && !Chars.isWordChar(Chars.at(text, end))) {
                    if (isPersonalV4(text, i, end) || isPersonalV6(text.substring(i, end))) {
                        found = end;
                    } else {
                        // host:port, "10.1.2.3:8080"
                        int colon = text.indexOf(':', i, end);
                        if (colon > i && isPersonalV4(text, i, colon)) {
                            found = colon;
                        }
                    }
                }
                if (found > 0) {
                    into.add(new Finding(TYPE, i, found));
                    i = end;
                    continue;
                }
            }
            i++;
        }
    }

    private static boolean isPersonalV4(String text, int from, int to) {
        int[] octets = v4(text, from, to);
        if (octets == null) {
            return false;
        }
        boolean loopback = octets[0] == 127;
        boolean unspecified = octets[0] == 0;
        boolean netmask = octets[0] == 255;
        return !loopback && !unspecified && !netmask;
    }

    /** @return the four octets, or {@code null} when the text is not exactly a dotted quad */
    static int[] v4(CharSequence text, int from, int to) {
        int[] octets = new int[4];
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < to && Chars.isDigit(text.charAt(i)) && i - start < 3) {
                value = value * 10 + text.charAt(i) - '0';
                i++;
            }
            int length = i - start;
            if (length == 0 || value > 255 || (length > 1 && text.charAt(start) == '0')) {
                return null;
            }
            octets[part++] = value;
            if (part < 4) {
                if (i >= to || text.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == to ? octets : null;
    }

    private static boolean isPersonalV6(String candidate) {
        if (candidate.indexOf(':') < 0 || !isV6(candidate)) {
            return false;
        }
        String lower = candidate.toLowerCase(java.util.Locale.ROOT);
        return !lower.equals("::") && !lower.equals("::1") && !lower.equals("0:0:0:0:0:0:0:1")
                && !lower.equals("0:0:0:0:0:0:0:0");
    }

    static boolean isV6(String s) {
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        List<String> groups = new java.util.ArrayList<>();
        if (doubleColon >= 0) {
            addGroups(s.substring(0, doubleColon), groups);
            addGroups(s.substring(doubleColon + 2), groups);
        } else {
            addGroups(s, groups);
        }
        int count = 0;
        boolean digit = false;
        for (int g = 0; g < groups.size(); g++) {
            String group = groups.get(g);
            if (g == groups.size() - 1 && group.indexOf('.') >= 0) {
                if (v4(group, 0, group.length()) == null) {
                    return false;
                }
                count += 2;
                digit = true;
                continue;
            }
            if (group.isEmpty() || group.length() > 4) {
                return false;
            }
            for (int k = 0; k < group.length(); k++) {
                char c = group.charAt(k);
                if (!Chars.isHex(c)) {
                    return false;
                }
                digit |= Chars.isDigit(c);
            }
            count++;
        }
        // "::" stands for at least one group of zeros; without it there are exactly eight. A digit and two explicit
        // groups keep out words that happen to be hex, such as "dead::beef".
        return digit && (doubleColon >= 0 ? count >= 2 && count <= 7 : count == 8);
    }

    private static void addGroups(String part, List<String> into) {
        if (!part.isEmpty()) {
            into.addAll(List.of(part.split(":", -1)));
        }
    }
}
