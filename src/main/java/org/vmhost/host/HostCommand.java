package org.vmhost.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * One host command: an argument vector with a time limit and, optionally, standard input.
 *
 * <pre>{@code
 * String routes = HostCommand.of("ip", "-j", "route").run();           // HOST_FAILED on a non-zero exit
 * HostCommand.Result r = HostCommand.of("nft", "list", "table", "inet", t).tryRun();   // any exit
 * }</pre>
 *
 * <p>Standard output and standard error are read together, on a thread of their own, while this thread
 * waits with the time limit: a command that fills its pipe, or never closes it (a child it left running
 * holds it), can no longer keep the wait from ending. When the limit passes the command and its children
 * are killed and the error says so, with the last lines it printed.
 */
public final class HostCommand {
    /** What a command may run for unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
    /** Output kept beyond this is dropped from the front: errors quote the end. */
    static final int MAX_OUTPUT = 4 << 20;
    private static final int ERROR_LINES = 5;

    private final List<String> argv;
    private final Duration timeout;
    private final byte[] input;

    private HostCommand(List<String> argv, Duration timeout, byte[] input) {
        if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
        this.argv = List.copyOf(argv);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive: " + timeout);
        this.input = input;
    }

    public static HostCommand of(String... argv) {
        return new HostCommand(List.of(argv), DEFAULT_TIMEOUT, null);
    }

    public static HostCommand of(List<String> argv) {
        return new HostCommand(argv, DEFAULT_TIMEOUT, null);
    }

    public HostCommand timeout(Duration limit) {
        return new HostCommand(argv, limit, input);
    }

    /** Standard input for the command; without it, the command reads /dev/null. */
    public HostCommand input(String text) {
        return new HostCommand(argv, timeout, text.getBytes(StandardCharsets.UTF_8));
    }

    public List<String> argv() {
        return argv;
    }

    /** Exit status and output (standard error included). */
    public record Result(List<String> argv, int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }

        /** The output, or {@code HOST_FAILED} naming the command and its last lines when the exit was not 0. */
        public String orThrow() {
            if (exit != 0) throw new VmhostException(ErrorCode.HOST_FAILED, failure(argv, exit, output));
            return output;
        }
    }

    /** Runs the command; a non-zero exit is {@code HOST_FAILED} with what it printed. */
    public String run() {
        return tryRun().orThrow();
    }

    /**
     * Runs the command and gives its exit status and output, whatever the status. Failing to start it,
     * passing the time limit and being interrupted are {@code HOST_FAILED} (the interrupt flag is kept).
     */
    public Result tryRun() {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (input == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot run '" + argv.get(0) + "': " + e.getMessage(), e);
        }
        Tail out = new Tail();
        Thread reader = Thread.ofVirtual().name("host-command-output").start(() -> out.drain(p.getInputStream()));
        try {
            if (input != null) Thread.ofVirtual().name("host-command-input").start(() -> feed(p.getOutputStream(), input));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                reader.join(1000);
                throw new VmhostException(ErrorCode.HOST_FAILED, "'" + String.join(" ", argv) + "' did not finish within "
                        + describe(timeout) + " and was killed" + lastLines(out.text()));
            }
            // The command ended; its output may still be held open by a child it left behind: wait a little.
            reader.join(Math.min(timeout.toMillis(), 2000));
            return new Result(argv, p.exitValue(), out.text());
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.HOST_FAILED, "interrupted while running '" + String.join(" ", argv) + "'");
        }
    }

    static String failure(List<String> argv, int exit, String output) {
        return "'" + String.join(" ", argv) + "' failed"
                + (output.isBlank() ? " with exit status " + exit : ": " + lastLines(output, ERROR_LINES));
    }

    private static String lastLines(String output) {
        return output.isBlank() ? "" : "; it printed: " + lastLines(output, ERROR_LINES);
    }

    private static String lastLines(String output, int n) {
        List<String> lines = output.strip().lines().toList();
        return String.join("; ", lines.subList(Math.max(0, lines.size() - n), lines.size())).strip();
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void feed(OutputStream stdin, byte[] bytes) {
        try (stdin) {
            stdin.write(bytes);
        } catch (IOException e) {
            // the command closed its input early; its exit status tells the rest
        }
    }

    /** The output, bounded: what passes {@link #MAX_OUTPUT} is dropped from the front. */
    private static final class Tail {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void drain(InputStream in) {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (this) {
                        bytes.write(buf, 0, n);
                        if (bytes.size() > 2 * MAX_OUTPUT) {
                            byte[] all = bytes.toByteArray();
                            bytes.reset();
                            bytes.write(all, all.length - MAX_OUTPUT, MAX_OUTPUT);
                        }
                    }
                }
            } catch (IOException e) {
                // the pipe broke because the command was killed: keep what was read
            }
        }

        synchronized String text() {
            byte[] all = bytes.toByteArray();
            int from = Math.max(0, all.length - MAX_OUTPUT);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
    }
}
