package org.vmhost.error;

import java.util.Objects;

/**
 * The one exception type for failures a user sees. The message names the object and the fact
 * ("domain 'web1' is not running"); the code decides the HTTP status and xm's exit status. Expected
 * errors carry no stack trace: they are answers, not bugs.
 */
public final class VmhostException extends RuntimeException {
    private final ErrorCode code;

    public VmhostException(ErrorCode code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** For failures caused by another exception; keeps it and its stack trace for the log. */
    public VmhostException(ErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause, false, true);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public static VmhostException noSuchDomain(String ref) {
        return new VmhostException(ErrorCode.NO_SUCH_DOMAIN, "domain '" + ref + "' does not exist");
    }
}
