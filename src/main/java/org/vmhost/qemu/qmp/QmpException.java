package org.vmhost.qemu.qmp;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Any failure of a QMP call: QEMU answered with an error, did not answer in time, or the connection
 * could not be made or is gone. Always created on the caller's thread, so its stack trace shows the call.
 */
public abstract sealed class QmpException extends IOException
        permits QmpErrorException, QmpTimeoutException, QmpConnectionException {

    private final Path socket;
    private final String command;

    QmpException(Path socket, String command, String message, Throwable cause) {
        super(message, cause);
        this.socket = Objects.requireNonNull(socket, "socket");
        this.command = command;
    }

    /** The QMP socket of the QEMU concerned. */
    public Path socket() {
        return socket;
    }

    /** The command that failed; empty when the failure is not about one command (connecting). */
    public Optional<String> command() {
        return Optional.ofNullable(command);
    }

    /** "QMP command 'stop' on /run/x.qmp" or "QMP on /run/x.qmp": the subject of every message. */
    static String subject(Path socket, String command) {
        return command == null ? "QMP on " + socket : "QMP command '" + command + "' on " + socket;
    }

    /** A duration as people write it: "250 ms", "5 s", "1.5 s". */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return ms / 1000 + " s";
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
