package org.vmhost.config;

/** The text is not in the configuration language: {@code web1.cfg:12:8: unterminated string}. */
public final class ConfigSyntaxException extends ConfigException {

    private final int column;
    private final boolean python;

    ConfigSyntaxException(String source, int line, int column, String reason, boolean python) {
        super(source, line, source + ":" + line + ":" + column, reason);
        this.column = column;
        this.python = python;
    }

    /** The 1-based column (in characters; a tab counts as one). */
    public int column() {
        return column;
    }

    /** Whether the text looks like the Python that xm executed rather than the declarative language. */
    public boolean looksLikePython() {
        return python;
    }
}
