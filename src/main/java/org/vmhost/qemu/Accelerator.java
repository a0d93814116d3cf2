package org.vmhost.qemu;

import java.util.Locale;

/** How QEMU runs guest code: the host kernel's KVM, or QEMU's own TCG translator. */
public enum Accelerator {
    KVM, TCG;

    /** The name QEMU's {@code -accel} option takes. */
    public String qemuName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
