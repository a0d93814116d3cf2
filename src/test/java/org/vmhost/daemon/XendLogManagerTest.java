package org.vmhost.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The JDK's shutdown hook resets logging while xend's hook runs: the reset must wait for xend's last line.
 * Each test has a manager of its own (not the JVM's), and plays the JDK's hook by calling reset itself.
 */
class XendLogManagerTest {
    /** A handler that records what it was given, and its close, in order. */
    static final class Recording extends Handler {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord r) {
            seen.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            seen.add("<closed>");
        }
    }

    private static Recording loggerWithHandler(XendLogManager manager, String name) {
        Logger logger = new Logger(name, null) { };
        Recording handler = new Recording();
        logger.addHandler(handler);
        assertThat(manager.addLogger(logger)).isTrue();
        return handler;
    }

    @Test
    void resetWaitsForTheHooksLastLine() throws Exception {
        XendLogManager manager = new XendLogManager();
        Recording handler = loggerWithHandler(manager, "test.xend.hook");
        Thread hook = manager.holdingHandlers("xend-shutdown", () ->
                manager.getLogger("test.xend.hook").info("xend stopped"));

        Thread jdkHook = Thread.ofPlatform().start(manager::reset);
        jdkHook.join(300);
        assertThat(jdkHook.isAlive()).as("reset waits while xend's hook has not run").isTrue();
        assertThat(handler.seen).isEmpty();

        hook.start();
        jdkHook.join(10_000);
        assertThat(jdkHook.isAlive()).isFalse();
        assertThat(handler.seen).containsExactly("xend stopped", "<closed>");
    }

    @Test
    void withoutAHookResetClosesAtOnce() throws Exception {
        XendLogManager manager = new XendLogManager();
        Recording handler = loggerWithHandler(manager, "test.xend.nohook");

        Thread jdkHook = Thread.ofPlatform().start(manager::reset);
        jdkHook.join(10_000);
        assertThat(jdkHook.isAlive()).isFalse();
        assertThat(handler.seen).containsExactly("<closed>");
    }

    @Test
    void aHookThatFailsStillLetsTheHandlersClose() throws Exception {
        XendLogManager manager = new XendLogManager();
        Recording handler = loggerWithHandler(manager, "test.xend.failing");
        Thread hook = manager.holdingHandlers("xend-shutdown", () -> {
            throw new IllegalStateException("store would not close");
        });
        hook.setUncaughtExceptionHandler((t, e) -> { });
        hook.start();
        hook.join(10_000);

        Thread jdkHook = Thread.ofPlatform().start(manager::reset);
        jdkHook.join(10_000);
        assertThat(jdkHook.isAlive()).isFalse();
        assertThat(handler.seen).containsExactly("<closed>");
    }
}
