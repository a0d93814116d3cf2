package org.vmhost.config;

/**
 * A configuration that cannot be used: a syntax error in the text, or a value that means nothing to vmhost.
 * The message names the place ({@code web1.cfg:12:8: unterminated string}); it is meant for the user as is.
 *
 * <p>An expected error, not a bug: it carries no stack trace.
 */
public abstract sealed class ConfigException extends Exception
        permits ConfigSyntaxException, ConfigValueException {

    private final String source;
    private final int line;
    private final String reason;

    ConfigException(String source, int line, String location, String reason) {
        super(location.isEmpty() ? reason : location + ": " + reason, null, false, false);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    /** The file (or {@code command line}) the error is in; empty when the text had no name. */
    public String source() {
        return source;
    }

    /** The 1-based line, or 0 when the error concerns the configuration as a whole. */
    public int line() {
        return line;
    }

    /** The message without its location. */
    public String reason() {
        return reason;
    }
}
