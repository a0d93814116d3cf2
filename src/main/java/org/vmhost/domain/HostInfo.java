package org.vmhost.domain;

import java.util.Objects;

/**
 * What {@code xm info} shows of the host ("Domain-0").
 *
 * @param hostname          the host's name
 * @param release           kernel release
 * @param machine           architecture
 * @param cpus              host CPUs
 * @param cpuMhz            CPU clock
 * @param totalMemory       MiB of host memory
 * @param freeMemory        MiB available
 * @param accelerator       {@code kvm} or {@code tcg}
 * @param acceleratorReason why the probe chose it
 * @param qemuVersion       the device model's version
 * @param xendVersion       vmhost's version
 * @param uptimeSeconds     host uptime
 * @param networking        how guests are networked, e.g. bridges or user-mode networking, and why
 * @param confinement       which user QEMU runs as and under which sandbox, and why
 */
public record HostInfo(String hostname, String release, String machine, int cpus, double cpuMhz,
                       long totalMemory, long freeMemory, String accelerator, String acceleratorReason,
                       String qemuVersion, String xendVersion, double uptimeSeconds, String networking,
                       String confinement) {
    public HostInfo {
        Objects.requireNonNull(hostname);
        Objects.requireNonNull(accelerator);
        Objects.requireNonNull(acceleratorReason);
    }
}
