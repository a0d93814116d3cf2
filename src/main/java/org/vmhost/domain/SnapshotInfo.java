package org.vmhost.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One snapshot of a domain, as {@code xm snapshot-list} shows it: an internal snapshot kept inside the domain's
 * qcow2 images.
 *
 * @param name        its name
 * @param diskOnly    whether it holds the disks only ({@code -d}); otherwise memory and device state too
 * @param created     when it was taken
 * @param stateBytes  the size of its saved memory and device state (0 for a disk-only snapshot)
 */
public record SnapshotInfo(String name, boolean diskOnly, Instant created, long stateBytes) {
    public SnapshotInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(created, "created");
    }
}
