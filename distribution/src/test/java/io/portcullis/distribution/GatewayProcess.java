package io.portcullis.distribution;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.fail;

/**
 * A started {@code bin/portcullis}: its output (stdout and stderr) is drained on a thread of its own, which also
 * watches for the ready line. Closing sends SIGTERM, as an operator's Ctrl-C or a service manager would, and waits
 * for the process to end; {@link #kill} is SIGKILL, as a crash or an out-of-memory killer would.
 */
final class GatewayProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("Portcullis ready on (http://\\S+)");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<URI> ready = new CompletableFuture<>();

    GatewayProcess(ProcessBuilder builder) throws IOException {
        this.process = builder.redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().name("portcullis-output").start(this::drain);
    }

    private void drain() {
        try (BufferedReader reader = process.inputReader(StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                output.append(line).append('\n');
                Matcher matcher = READY.matcher(line);
                if (matcher.find()) {
                    ready.complete(URI.create(matcher.group(1)));
                }
            }
        } catch (IOException e) {
            output.append("(output unreadable: ").append(e).append(")\n");
        }
        // A no-op once the ready line was seen; otherwise it ends the wait at once instead of at the timeout.
        ready.completeExceptionally(new AssertionError("bin/portcullis ended before it was ready:\n" + output));
    }

    /** @return the client base URI from the ready line */
    URI awaitReady(Duration timeout) throws InterruptedException {
        try {
            return ready.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no ready line within " + timeout + "; output so far:\n" + output, e);
        } catch (ExecutionException e) {
            throw (AssertionError) e.getCause();
        }
    }

    /** @return everything the process wrote so far */
    String output() {
        return output.toString();
    }

    /** Kills the process with SIGKILL: nothing of it runs after this, no shutdown hook, no goodbye to its peers. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            fail("bin/portcullis did not die within " + STOP_TIMEOUT + " of SIGKILL");
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        fail("bin/portcullis did not stop within " + STOP_TIMEOUT + " of SIGTERM; output:\n" + output);
    }
}
