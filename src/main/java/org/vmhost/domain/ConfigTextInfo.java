package org.vmhost.domain;

import java.util.Objects;

/**
 * A managed domain's configuration as xm text, for viewing and editing (the web GUI's config page).
 *
 * @param name        the domain
 * @param configText  the definition it boots with next, passwords shown as {@code XXXXXXXX}
 * @param nextBoot    true while the domain runs with an older definition: an edit waits for its next boot
 * @param runningText the definition its running QEMU was started from (masked too) when that differs; empty
 *                    otherwise
 */
public record ConfigTextInfo(String name, String configText, boolean nextBoot, String runningText) {
    public ConfigTextInfo {
        Objects.requireNonNull(name, "name");
        configText = org.vmhost.config.Secrets.mask(Objects.requireNonNull(configText, "configText"));
        runningText = org.vmhost.config.Secrets.mask(Objects.requireNonNull(runningText, "runningText"));
    }
}
