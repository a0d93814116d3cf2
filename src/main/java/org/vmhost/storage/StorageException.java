package org.vmhost.storage;

import java.util.Objects;

/** A storage operation that failed, with what kind of failure it was; the lifecycle maps it to an error code. */
public final class StorageException extends RuntimeException {
    /** What went wrong, so that the API can answer with the right status. */
    public enum Kind { BAD_REQUEST, NOT_FOUND, EXISTS, FAILED }

    private final Kind kind;

    public StorageException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = Objects.requireNonNull(kind);
    }

    public Kind kind() {
        return kind;
    }
}
