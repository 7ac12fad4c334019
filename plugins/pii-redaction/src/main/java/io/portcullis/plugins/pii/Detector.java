package io.portcullis.plugins.pii;

import java.util.List;

/**
 * Finds the values of one or more entity types in a text. Implementations are stateless and thread-safe, and take
 * time linear in the text's length: each looks at a bounded window around each candidate, never backtracks over
 * the whole input.
 */
interface Detector {

    /** Adds what it finds in {@code text} to {@code into}; findings may overlap, the {@link Scanner} resolves them. */
    void scan(String text, List<Finding> into);
}
