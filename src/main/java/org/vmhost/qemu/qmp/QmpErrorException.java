package org.vmhost.qemu.qmp;

import java.nio.file.Path;
import java.util.Objects;

/**
 * QEMU answered a command with an error: {@code {"error": {"class": ..., "desc": ...}}}. The connection
 * stays usable.
 */
public final class QmpErrorException extends QmpException {
    private final String errorClass;
    private final String description;

    QmpErrorException(Path socket, String command, String errorClass, String description) {
        super(socket, Objects.requireNonNull(command, "command"),
                subject(socket, command) + " failed: " + errorClass + ": " + description, null);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
        this.description = Objects.requireNonNull(description, "description");
    }

    /** QEMU's error class, e.g. {@code GenericError}, {@code DeviceNotFound}, {@code CommandNotFound}. */
    public String errorClass() {
        return errorClass;
    }

    /** QEMU's human-readable description. */
    public String description() {
        return description;
    }
}
