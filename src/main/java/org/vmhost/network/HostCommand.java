package org.vmhost.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmhost.domain.ErrorCode;
import org.vmhost.domain.VmhostException;

/** Runs one host tool (ip, tc, nft, dnsmasq, sysctl) and reports its failure in its own words. */
final class HostCommand {
    private static final long TIMEOUT_SECONDS = 20;

    private HostCommand() {
    }

    /** Runs a command; a non-zero exit is {@code HOST_FAILED} with what it printed. */
    static String run(String... argv) {
        Result r = tryRun(null, argv);
        if (r.exit() != 0) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "'" + String.join(" ", argv) + "' failed: "
                    + (r.output().isBlank() ? "exit status " + r.exit() : r.output().strip()));
        }
        return r.output();
    }

    /** Runs a command with the given standard input (may be null). */
    static String runWithInput(String input, String... argv) {
        Result r = tryRun(input, argv);
        if (r.exit() != 0) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "'" + String.join(" ", argv) + "' failed: "
                    + (r.output().isBlank() ? "exit status " + r.exit() : r.output().strip()));
        }
        return r.output();
    }

    record Result(int exit, String output) {
    }

    /** Runs a command and gives its exit status and output (standard error included), whatever they are. */
    static Result tryRun(String input, String... argv) {
        ProcessBuilder pb = new ProcessBuilder(List.of(argv)).redirectErrorStream(true);
        if (input == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            if (input != null) {
                try (var in = p.getOutputStream()) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new VmhostException(ErrorCode.HOST_FAILED, "'" + String.join(" ", argv) + "' did not finish within "
                        + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "cannot run '" + argv[0] + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmhostException(ErrorCode.INTERNAL, "interrupted while running '" + argv[0] + "'");
        }
    }
}
