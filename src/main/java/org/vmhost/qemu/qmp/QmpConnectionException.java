package org.vmhost.qemu.qmp;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The connection could not be made, or is gone: every call pending on it, and every later one, fails
 * with this. The {@link Reason} says which; the message adds the detail.
 */
public final class QmpConnectionException extends QmpException {

    /** Why there is no connection. */
    public enum Reason {
        /** Connecting failed: no socket, nobody listening, permission denied. */
        CONNECT_FAILED("cannot connect"),
        /** QEMU closed the socket: it exited, or closed its monitor. */
        CLOSED_BY_PEER("connection closed by QEMU"),
        /** This client was closed. */
        CLOSED_BY_CLIENT("connection closed by the client"),
        /** The peer sent something that is not QMP; the client closed the connection. */
        PROTOCOL_ERROR("protocol error"),
        /** Reading or writing the socket failed. */
        IO_ERROR("I/O error");

        private final String text;

        Reason(String text) {
            this.text = text;
        }
    }

    private final Reason reason;

    QmpConnectionException(Path socket, String command, Reason reason, String detail, Throwable cause) {
        super(socket, command, subject(socket, command) + ": " + reason.text
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
