package org.vmhost.qemu.qmp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * No answer within the time limit. For a command, the connection stays usable and a late reply is
 * dropped; QEMU may still carry the command out. For the greeting, the connection is closed.
 */
public final class QmpTimeoutException extends QmpException {
    private final Duration timeout;

    private QmpTimeoutException(Path socket, String command, Duration timeout, String message) {
        super(socket, command, message, null);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    static QmpTimeoutException forCommand(Path socket, String command, Duration timeout) {
        return new QmpTimeoutException(socket, Objects.requireNonNull(command, "command"), timeout,
                subject(socket, command) + " got no reply within " + format(timeout));
    }

    static QmpTimeoutException forGreeting(Path socket, Duration timeout) {
        return new QmpTimeoutException(socket, null, timeout, "no QMP greeting on " + socket + " within "
                + format(timeout) + " (is QEMU hung, or another client connected?)");
    }

    public Duration timeout() {
        return timeout;
    }
}
