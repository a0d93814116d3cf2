package org.vmhost.qemu;

import java.io.IOException;
import java.util.Objects;

/**
 * Starting, re-attaching to or killing a QEMU failed. The message names the QEMU (its QMP socket or
 * pid) and, for a failed start, ends with what QEMU itself printed.
 */
public final class QemuProcessException extends IOException {

    /** What went wrong; the lifecycle maps each to an error code. */
    public enum Reason {
        /** A live QEMU already serves the QMP socket: starting another would run the domain twice. */
        SOCKET_IN_USE,
        /** QEMU could not be run, or exited before its QMP monitor answered. */
        START_FAILED,
        /** QEMU's QMP monitor did not answer within the time limit; QEMU was killed. */
        START_TIMED_OUT,
        /** The recorded QEMU is not running any more (or its pid now belongs to another process). */
        GONE,
        /** The recorded pid runs, but not the QEMU of that QMP socket. */
        NOT_THAT_QEMU,
        /** The QEMU runs but its QMP monitor cannot be reached. */
        QMP_UNREACHABLE,
        /** QEMU survived SIGKILL (stuck in the kernel). */
        KILL_FAILED
    }

    private final Reason reason;

    QemuProcessException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
