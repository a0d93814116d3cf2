package org.vmhost.config;

/**
 * A setting whose value vmhost cannot use: {@code web1.cfg:7: memory: expected a number of MiB, got 'lots'}.
 * Names the key and the line of its assignment (or of the list item at fault).
 */
public final class ConfigValueException extends ConfigException {

    private final String key;
    private final String detail;

    ConfigValueException(String source, int line, String key, String detail) {
        super(source, line, location(source, line), key.isEmpty() ? detail : key + ": " + detail);
        this.key = key;
        this.detail = detail;
    }

    /** The setting at fault, e.g. {@code memory}; empty when the fault is not one setting's. */
    public String key() {
        return key;
    }

    /** The same error, placed at a line of a file (spec parsers do not know where their text came from). */
    ConfigValueException at(String source, int line) {
        return new ConfigValueException(source, line, key, detail);
    }

    private static String location(String source, int line) {
        if (source.isEmpty()) return "";
        return line > 0 ? source + ":" + line : source;
    }
}
