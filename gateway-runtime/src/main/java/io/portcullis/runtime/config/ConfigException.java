package io.portcullis.runtime.config;

import java.util.List;

/**
 * The configuration cannot be used. The message names the file, the path in it and what was expected, one problem
 * per line, so that an operator can fix all of them in one go.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(problems.stream().map(problem -> source + ": " + problem).reduce((a, b) -> a + "\n" + b).orElse(source));
        this.problems = List.copyOf(problems);
    }

    /** @return the problems, each as {@code path: what was expected} */
    public List<String> problems() {
        return problems;
    }
}
