package org.vmhost.config;

import java.util.Objects;

/**
 * Something in a configuration that vmhost accepted but will not act on, or that may not work on this host:
 * an unknown key, a Xen setting vmhost does not model, a file that does not exist here.
 *
 * @param source  the file or {@code command line}
 * @param line    1-based line of the assignment, or 0 when none applies
 * @param message what is wrong, starting with the key it concerns
 */
public record ConfigWarning(String source, int line, String message) {

    public ConfigWarning {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
        if (line < 0) throw new IllegalArgumentException("negative line: " + line);
    }

    /** {@code web1.cfg:12: message}, as xm prints it after {@code Warning: }. */
    @Override
    public String toString() {
        return (line > 0 ? source + ":" + line : source) + ": " + message;
    }
}
