package org.vmhost.monitor;

import java.util.Objects;

/**
 * One domain's figures now, in xentop's columns: what {@code xm top} shows.
 *
 * @param name       the domain's name
 * @param domid      its id
 * @param state      its xm state letter
 * @param cpuSeconds host CPU time used since it started
 * @param cpuPercent over the sampler's last interval, in percent of one host CPU
 * @param memoryKib  the guest's memory: its balloon's figure when it has one, else the configured amount
 * @param maxmemKib  the most it may have
 * @param vcpus      vCPUs
 * @param nets       vifs
 * @param netTxKib   KiB the guest sent, all vifs
 * @param netRxKib   KiB the guest received
 * @param vbds       virtual disks
 * @param vbdReads   read requests, all disks
 * @param vbdWrites  write requests
 * @param vbdReadBytes  bytes read, all disks
 * @param vbdWriteBytes bytes written
 * @param disks      each disk's counters (from the last sample)
 * @param vifs       each vif's counters, named by devid
 */
public record DomainStats(String name, int domid, String state, double cpuSeconds, double cpuPercent, long memoryKib,
                          long maxmemKib, int vcpus, int nets, long netTxKib, long netRxKib, int vbds, long vbdReads,
                          long vbdWrites, long vbdReadBytes, long vbdWriteBytes, java.util.List<DiskCounters> disks,
                          java.util.List<NetCounters> vifs) {
    public DomainStats {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        disks = java.util.List.copyOf(disks);
        vifs = java.util.List.copyOf(vifs);
    }
}
