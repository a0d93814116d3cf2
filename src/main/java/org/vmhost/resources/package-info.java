/**
 * A domain's share of the host, applied to its QEMU: which host CPUs its vCPU threads may run on (Xen's
 * {@code cpus=}, one set or one per vCPU, and {@code xm vcpu-pin}, through sched_setaffinity by {@code taskset}),
 * and its share of them, Xen's credit scheduler on a cgroup CPU controller ({@link org.vmhost.resources.CpuController}:
 * weight and cap written, and read back as they are in force). Knows nothing of the
 * domain lifecycle; the domain package calls it with a QEMU's pid.
 */
package org.vmhost.resources;
