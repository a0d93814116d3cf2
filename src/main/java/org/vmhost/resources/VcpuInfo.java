package org.vmhost.resources;

import java.util.Objects;

/**
 * One vCPU as {@code xm vcpu-list} shows it.
 *
 * @param name     the domain's name
 * @param domid    its id
 * @param vcpu     the vCPU's number
 * @param cpu      the host CPU it last ran on
 * @param state    Xen's state: {@code r--} running, {@code -b-} blocked (the guest idles), {@code --p} paused
 * @param time     seconds of host CPU it used
 * @param affinity the host CPUs it may run on, "any cpu" when all
 */
public record VcpuInfo(String name, int domid, int vcpu, int cpu, String state, double time, String affinity) {
    public VcpuInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(affinity, "affinity");
    }
}
