package org.vmhost.domain;

import java.util.Collection;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;

/**
 * Refuses a start that would give the guests more memory than the host has, less what the host keeps for itself
 * ({@code dom0_min_mem} in xend.conf, as Xen's dom0-min-mem). Checked under the disk claims' lock, with the
 * domain's move to STARTING, so two starts never both pass.
 */
final class MemoryReserve {
    /** MiB kept for the host when xend.conf does not say. */
    static final long DEFAULT_MIB = 512;

    private volatile long reserveMib = DEFAULT_MIB;

    void set(long mib) {
        if (mib < 0) throw new IllegalArgumentException("a negative reserve");
        reserveMib = mib;
    }

    /** Throws RESOURCE_BUSY, with the numbers, when {@code starting} does not fit beside the domains that run. */
    void check(Domain starting, Collection<Domain> all, long hostMib) {
        long given = 0;
        // A domain's QEMU has its maxmem of RAM (its balloon holds back what is above memory), and xm mem-set may
        // give the guest all of it at any time: so each counts with its maxmem.
        for (Domain d : all) if (d != starting && d.state().active()) given += d.config().maxmem();
        long needs = starting.config().maxmem();
        long left = hostMib - reserveMib - given;
        if (needs > left) {
            throw new VmhostException(ErrorCode.RESOURCE_BUSY, "cannot start domain '" + starting.name() + "': it needs "
                    + needs + " MiB" + (needs > starting.config().memory() ? " (its maxmem)" : "") + ", but of the host's " + hostMib + " MiB, " + reserveMib + " MiB are kept for the host "
                    + "(dom0_min_mem) and " + given + " MiB are given to running domains (their maxmem): " + Math.max(0, left) + " MiB left");
        }
    }
}
