package org.vmhost.config;

import java.util.Locale;
import java.util.Optional;

/** What happens when a domain powers off, reboots or crashes ({@code on_poweroff} and friends). */
public enum LifecycleAction {
    DESTROY, RESTART, PRESERVE, RENAME_RESTART, COREDUMP_DESTROY, COREDUMP_RESTART;

    /** The word used in config files, e.g. {@code rename-restart}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a config word, accepting {@code _} for {@code -} as xl does. */
    public static Optional<LifecycleAction> parse(String word) {
        String w = word.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (LifecycleAction a : values()) {
            if (a.configName().equals(w)) return Optional.of(a);
        }
        return Optional.empty();
    }
}
