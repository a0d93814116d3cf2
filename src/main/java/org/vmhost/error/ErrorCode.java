package org.vmhost.error;

/**
 * Every failure a user can see, with the HTTP status the API answers and the exit status xm returns.
 * One table, so that a code, its transport status and its meaning never drift apart.
 */
public enum ErrorCode {
    BAD_REQUEST(400, 2, "the request is malformed"),
    INVALID_CONFIG(400, 2, "the domain configuration is invalid"),
    NO_SUCH_DOMAIN(404, 3, "no such domain"),
    NO_SUCH_DEVICE(404, 3, "no such device"),
    /** The API has no such route: a client newer than its xend, or a typo in a hand-made request. */
    NO_SUCH_ROUTE(404, 1, "no such API route"),
    DOMAIN_EXISTS(409, 4, "a domain of that name exists"),
    INVALID_STATE(409, 4, "the domain is not in a state that allows this"),
    RESOURCE_BUSY(409, 4, "a resource is in use"),
    /** No credentials, or credentials xend does not accept (HTTP 401). */
    UNAUTHENTICATED(401, 5, "authentication required"),
    UNAUTHORIZED(403, 5, "not allowed"),
    TIMEOUT(504, 6, "the operation timed out"),
    QEMU_FAILED(500, 7, "QEMU failed"),
    HOST_FAILED(500, 7, "a host operation failed"),
    INTERNAL(500, 1, "internal error");

    private final int httpStatus;
    private final int exitStatus;
    private final String meaning;

    ErrorCode(int httpStatus, int exitStatus, String meaning) {
        this.httpStatus = httpStatus;
        this.exitStatus = exitStatus;
        this.meaning = meaning;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The exit status of xm when a command fails with this code (never 0). */
    public int exitStatus() {
        return exitStatus;
    }

    public String meaning() {
        return meaning;
    }
}
