/**
 * A domain's share of the host, applied to its QEMU: which host CPUs its vCPU threads may run on (Xen's
 * {@code cpus=} and {@code xm vcpu-pin}, through sched_setaffinity by {@code taskset}). Knows nothing of the
 * domain lifecycle; the domain package calls it with a QEMU's pid.
 */
package org.vmhost.resources;
