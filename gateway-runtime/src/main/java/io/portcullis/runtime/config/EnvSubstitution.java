package io.portcullis.runtime.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:+alternative}} in configuration values, as a
 * POSIX shell does: {@code :-} gives the default when the variable is unset or empty, {@code :+} gives the
 * alternative when it is set and not empty (and an empty string otherwise). {@code $${} writes a literal {@code ${}.
 */
final class EnvSubstitution {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\\+)([^}]*))?}");

    private final Function<String, String> environment;

    EnvSubstitution(Map<String, String> environment) {
        this.environment = environment::get;
    }

    /**
     * @param value    a scalar from the file
     * @param path     where it is, for the error message
     * @param problems where to add a problem if a required variable is missing
     */
    String substitute(String value, String path, List<String> problems) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Matcher matcher = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement;
            if (matcher.group().equals("$${")) {
                replacement = "${";
            } else {
                String name = matcher.group(1);
                String operator = matcher.group(2);
                String set = environment.apply(name);
                boolean present = set != null && !set.isEmpty();
                if (operator == null) {
                    if (set == null) {
                        problems.add(path + ": environment variable " + name + " is not set (write ${" + name
                                + ":-default} to make it optional)");
                        set = "";
                    }
                    replacement = set;
                } else if (operator.equals(":-")) {
                    replacement = present ? set : matcher.group(3);
                } else {
                    replacement = present ? matcher.group(3) : "";
                }
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
