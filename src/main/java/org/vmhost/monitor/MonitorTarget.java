package org.vmhost.monitor;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * A running domain as the sampler needs it, handed over by the domain package at each sample.
 *
 * @param uuid       the domain's UUID: its series are kept under it, so a rename keeps the history
 * @param name       its name now
 * @param domid      its id
 * @param state      its xm state letter (r, p, ...)
 * @param pid        its QEMU's pid
 * @param memoryKib  configured memory
 * @param maxmemKib  the most it may balloon up to
 * @param vcpus      configured vCPUs
 * @param taps       vif name to host tap, for the network counters
 * @param disks      reads the disks' counters from QEMU (may block briefly; empty when QEMU does not answer)
 * @param balloonKib reads the guest's actual memory from its balloon, empty without one
 */
public record MonitorTarget(String uuid, String name, int domid, char state, long pid, long memoryKib, long maxmemKib,
                            int vcpus, Map<String, String> taps, Supplier<List<DiskCounters>> disks,
                            Supplier<OptionalLong> balloonKib) {
    public MonitorTarget {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        taps = Map.copyOf(taps);
        Objects.requireNonNull(disks, "disks");
        Objects.requireNonNull(balloonKib, "balloonKib");
    }
}
