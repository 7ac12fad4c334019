package io.portcullis.testkit;

import org.pf4j.Plugin;

/** A test plugin whose {@code Plugin-Class} fails in {@code start()}, as a plugin with a broken lifecycle would. */
public final class FailingStartPlugin extends Plugin {

    static final String MESSAGE = "the failing plugin cannot reach its licence server";

    @Override
    public void start() {
        throw new IllegalStateException(MESSAGE);
    }
}
