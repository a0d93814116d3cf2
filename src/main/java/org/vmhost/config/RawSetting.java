package org.vmhost.config;

import java.util.Objects;

/**
 * One key's value after the whole file was read: the last assignment, with any {@code +=} after it applied.
 *
 * @param key      the key, e.g. {@code memory} or {@code vif.default.script}
 * @param value    its value
 * @param source   the file or {@code command line} that assigned it last
 * @param line     1-based line of that assignment (0 for the command line)
 * @param appended whether the value was built with {@code +=}: xl refuses that for numbers
 */
public record RawSetting(String key, RawValue value, String source, int line, boolean appended) {

    public RawSetting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
    }
}
