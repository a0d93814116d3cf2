package org.vmhost.json;

import java.io.IOException;

/**
 * A JSON value that does not fit the record or type it was read as. {@link #path()} names where, as {@code
 * disks[0].vdev}; empty for the whole value. The message is for the person who sent it.
 */
public final class JsonBindingException extends IOException {
    private final String path;

    JsonBindingException(String path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** Where the value that did not fit was: {@code field}, {@code field.inner}, {@code list[2]}; empty for the top. */
    public String path() {
        return path;
    }
}
