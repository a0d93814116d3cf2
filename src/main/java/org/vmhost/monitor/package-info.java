/**
 * Statistics of domains and the host: one sampler reads, every few seconds, what the kernel and QEMU already
 * count (thread CPU time in /proc, tap counters in /sys, QEMU's block statistics) and keeps each series at
 * several resolutions, as XAPI's round-robin databases do, in a file under {@code $VMHOST_HOME} that survives
 * an xend restart. The package knows nothing of domains' lifecycle or of QEMU: the domain package hands it
 * {@link org.vmhost.monitor.MonitorTarget}s.
 */
package org.vmhost.monitor;
