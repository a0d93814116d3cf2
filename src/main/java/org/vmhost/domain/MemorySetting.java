package org.vmhost.domain;

import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.QemuStats;

/**
 * {@code xm mem-set}: a running guest's memory through its virtio-balloon. The guest can be given back at most the
 * memory it booted with (QEMU's {@code -m}, the configuration's {@code memory}), and at least {@link #MIN_MIB}.
 * Package-private; {@link LocalDomainService} delegates to it in one line.
 */
final class MemorySetting {
    /** Below this a Linux guest stops being useful; refused as Xen's xm refused absurd targets. */
    static final int MIN_MIB = 32;

    private final LocalDomainService service;

    MemorySetting(LocalDomainService service) {
        this.service = service;
    }

    void set(String ref, int mib) {
        Domain d = service.require(ref, "set the memory of");
        d.runJob("set the memory of", () -> {
            if (d.runtime == null || d.domid().isEmpty()) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
            }
            int ceiling = Math.min(d.config().memory(), d.config().maxmem());
            if (mib > ceiling) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' can have at most " + ceiling
                        + " MiB (the memory it booted with, within maxmem), not " + mib);
            }
            if (mib < MIN_MIB) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' needs at least " + MIN_MIB
                        + " MiB, not " + mib);
            }
            service.qmp(d, "set the memory of", q -> QemuStats.setBalloon(q, mib * 1024L * 1024));
            service.event(d, "mem-set", "memory target " + mib + " MiB");
        });
    }
}
