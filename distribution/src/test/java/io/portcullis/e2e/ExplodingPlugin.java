package io.portcullis.e2e;

import org.pf4j.Plugin;

/** A test plugin whose {@code Plugin-Class} fails in {@code start()}, as a plugin with a broken lifecycle would. */
public final class ExplodingPlugin extends Plugin {

    static final String MESSAGE = "the exploding plugin refuses to start";

    @Override
    public void start() {
        throw new IllegalStateException(MESSAGE);
    }
}
