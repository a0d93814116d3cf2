package org.vmhost.monitor;

import java.util.Objects;

/**
 * One virtual disk's counters since its QEMU started, as QEMU's block statistics give them.
 *
 * @param device the guest device (xvda, hdc)
 */
public record DiskCounters(String device, long readBytes, long writeBytes, long readOps, long writeOps) {
    public DiskCounters {
        Objects.requireNonNull(device, "device");
    }
}
