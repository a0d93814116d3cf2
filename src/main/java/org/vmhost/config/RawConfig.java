package org.vmhost.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A configuration file as libxlutil reads it, before any key means anything: each key's last value, in the
 * order of those last assignments.
 */
public final class RawConfig {

    private final String source;
    private final Map<String, RawSetting> settings;

    private RawConfig(String source, Map<String, RawSetting> settings) {
        this.source = source;
        this.settings = settings;
    }

    /** The name of the file it was read from. */
    public String source() {
        return source;
    }

    /** The setting of {@code key}, if the file assigns it. */
    public Optional<RawSetting> get(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    /** Every setting, in the order of the assignments that made them. */
    public List<RawSetting> settings() {
        return List.copyOf(settings.values());
    }

    @Override
    public String toString() {
        return "RawConfig" + settings.values();
    }

    /** Collects assignments with xl's rules: the last one wins, {@code +=} appends to what is there. */
    static final class Builder {
        private final String source;
        private final Map<String, RawSetting> settings = new LinkedHashMap<>();

        Builder(String source) {
            this.source = source;
        }

        Builder(RawConfig from) {
            this.source = from.source;
            this.settings.putAll(from.settings);
        }

        /** {@code key = value}: replaces any earlier value. */
        void assign(String key, RawValue value, String from, int line) {
            settings.remove(key); // keeps the map in order of last assignment
            settings.put(key, new RawSetting(key, value, from, line, false));
        }

        /**
         * {@code key += value}: strings and lists are appended to, as xl does; a number's text is appended as a
         * string. Without an earlier value it is a plain assignment.
         *
         * @return null, or why the two values cannot be added
         */
        String append(String key, RawValue value, String from, int line) {
            RawSetting previous = settings.get(key);
            RawValue joined = value;
            if (previous != null) {
                RawValue old = previous.value();
                if (old instanceof RawValue.ListValue a && value instanceof RawValue.ListValue b) {
                    List<RawValue> items = new ArrayList<>(a.items());
                    items.addAll(b.items());
                    joined = new RawValue.ListValue(items, a.line(), a.column());
                } else if (!(old instanceof RawValue.ListValue) && !(value instanceof RawValue.ListValue)) {
                    joined = new RawValue.Str(atomText(old) + atomText(value), old.line(), old.column());
                } else {
                    return old instanceof RawValue.ListValue
                            ? "cannot append a single value to the list '" + key + "' (write [ ... ])"
                            : "cannot append a list to '" + key + "', which is a single value";
                }
            }
            settings.remove(key);
            settings.put(key, new RawSetting(key, joined, from, line, true));
            return null;
        }

        Optional<RawSetting> get(String key) {
            return Optional.ofNullable(settings.get(key));
        }

        RawConfig build() {
            return new RawConfig(source, new LinkedHashMap<>(settings));
        }

        private static String atomText(RawValue v) {
            return switch (v) {
                case RawValue.Str s -> s.value();
                case RawValue.Num n -> n.text();
                case RawValue.ListValue l -> throw new IllegalStateException("not an atom");
            };
        }
    }
}
