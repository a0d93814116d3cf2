package org.vmhost.monitor;

/**
 * The host's figures now, for the head of {@code xm top}.
 *
 * @param cpus        host CPUs
 * @param cpuPercent  busy over the sampler's last interval, in percent of all CPUs
 * @param totalKib    memory
 * @param freeKib     memory available (the kernel's MemAvailable)
 */
public record HostStats(int cpus, double cpuPercent, long totalKib, long freeKib) {
}
