package org.vmhost.daemon;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;

/**
 * java.util.logging's manager in xend, so that xend's shutdown hook can log to the end. The JDK closes every
 * handler in a shutdown hook of its own ({@link LogManager#reset}), which the JVM runs at the same time as
 * xend's: xend's last lines were lost, and a {@code NullPointerException} ("writer" is null) from the closed
 * log file reached xend.out at each {@code xend stop}. Here the reset waits for a hook registered with
 * {@link #addShutdownHook} to end.
 *
 * <p>XendMain names this class in the system property {@code java.util.logging.manager} before anything logs
 * (the JDK reads it once, when logging starts), and the JDK constructs it by reflection, hence public.
 */
public final class XendLogManager extends LogManager {
    /** Longer than {@code xend stop} waits, so that it is never what ends a stop. */
    static final long MAX_WAIT_SECONDS = 60;

    private volatile CountDownLatch hookRunning; // null: no hook to wait for

    public XendLogManager() {
    }

    /**
     * Runs {@code body} at shutdown with the log handlers still open; they close when it ends. Where logging
     * has another manager, a plain shutdown hook (its last lines may then be lost).
     */
    static void addShutdownHook(String name, Runnable body) {
        if (LogManager.getLogManager() instanceof XendLogManager manager) {
            manager.addHook(name, body);
        } else {
            Runtime.getRuntime().addShutdownHook(new Thread(body, name));
        }
    }

    void addHook(String name, Runnable body) {
        Thread hook = holdingHandlers(name, body);
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            hookRunning = null; // it will never run: nothing to wait for
            throw shuttingDown;
        }
    }

    /** A thread running {@code body}; from now until it has run, {@link #reset} waits. */
    Thread holdingHandlers(String name, Runnable body) {
        CountDownLatch running = new CountDownLatch(1);
        hookRunning = running;
        return new Thread(() -> {
            try {
                body.run();
            } finally {
                running.countDown();
            }
        }, name);
    }

    /** Closes the handlers once the hook (if any) has ended; the JDK's shutdown hook calls this. */
    @Override
    public void reset() {
        CountDownLatch running = hookRunning;
        if (running != null) {
            try {
                running.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.reset();
    }
}
