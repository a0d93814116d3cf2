package org.vmhost.domain;

import java.util.OptionalLong;
import org.vmhost.config.DomainConfig;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.qemu.QemuStats;
import org.vmhost.qemu.qmp.QmpClient;
import org.vmhost.qemu.qmp.QmpException;

/**
 * {@code xm mem-set} and {@code xm mem-max}: a running guest's memory through its virtio-balloon, and the most it
 * may be given. QEMU is started with {@code maxmem} of RAM and the balloon inflated down to {@code memory} before
 * the guest runs (libvirt's currentMemory), so mem-set can give the guest anything from {@link #MIN_MIB} up to
 * its maxmem. Package-private; {@link LocalDomainService} delegates to it in one line each.
 */
final class MemorySetting {
    /** Below this a Linux guest stops being useful; refused as Xen's xm refused absurd targets. */
    static final int MIN_MIB = 32;

    private final LocalDomainService service;

    MemorySetting(LocalDomainService service) {
        this.service = service;
    }

    /** Before the guest runs: a domain with maxmem above memory has its balloon take the difference. */
    static void applyAtStart(DomainConfig config, QmpClient qmp) throws QmpException, InterruptedException {
        if (config.maxmem() > config.memory()) QemuStats.setBalloon(qmp, config.memory() * 1024L * 1024);
    }

    /**
     * After a guest's state was loaded (a restore, a migration in, a full snapshot applied to a shut-off domain): the
     * memory its balloon left it came with that state, so it is the domain's target again, and xm list shows what
     * the guest was given rather than its configured memory.
     */
    static void adoptLoaded(Domain d, QmpClient qmp) throws InterruptedException {
        OptionalLong kib = QemuStats.balloonKib(qmp);
        int mib = kib.isPresent() ? (int) (kib.getAsLong() / 1024) : 0;
        d.memoryTarget = mib > 0 && mib != d.config().memory() ? mib : 0;
    }

    void set(String ref, int mib) {
        Domain d = service.require(ref, "set the memory of");
        d.runJob("set the memory of", () -> {
            if (d.runtime == null || d.domid().isEmpty()) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
            }
            int ceiling = ceiling(d);
            if (mib > ceiling) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' can have at most " + ceiling
                        + " MiB (its maxmem), not " + mib);
            }
            if (mib < MIN_MIB) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' needs at least " + MIN_MIB
                        + " MiB, not " + mib);
            }
            service.qmp(d, "set the memory of", q -> QemuStats.setBalloon(q, mib * 1024L * 1024));
            d.memoryTarget = mib;
            d.publish();
            service.saveStatus(d);
            service.event(d, "mem-set", "memory target " + mib + " MiB");
        });
    }

    /**
     * {@code xm mem-max}: the domain's maxmem, kept in its configuration. As in xend, it may not go below the
     * memory the domain has now (mem-set it lower first). A running domain's QEMU has the RAM it was started with
     * and no more, so while it runs maxmem may rise only up to that; the new value is also its next start's.
     */
    void setMax(String ref, int mib) {
        Domain d = service.require(ref, "set the maximum memory of");
        d.runJob("set the maximum memory of", () -> {
            DomainConfig config = d.config();
            boolean running = d.runtime != null && d.domid().isPresent();
            int current = running ? current(d) : config.memory();
            if (mib < current) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' has " + current + " MiB"
                        + (running ? " now" : " (memory)") + "; its maxmem cannot be below that, not " + mib
                        + (running ? " (xm mem-set it lower first)" : ""));
            }
            if (running) {
                long[] booted = new long[1];
                service.qmp(d, "read the memory of", q -> booted[0] = QemuStats.baseMemoryBytes(q) / (1024 * 1024));
                if (mib > booted[0]) {
                    throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' was started with " + booted[0]
                            + " MiB of RAM, so while it runs its maxmem can be at most that, not " + mib
                            + " (shut it down, set mem-max, and start it again)");
                }
            }
            service.redefine(d, java.util.List.of("maxmem=" + mib));
            service.event(d, "mem-max", "maxmem " + mib + " MiB");
        });
    }

    /** The most mem-set may give a running domain: its maxmem, never more than the RAM its QEMU has. */
    private int ceiling(Domain d) {
        long[] booted = new long[1];
        try {
            service.qmp(d, "read the memory of", q -> booted[0] = QemuStats.baseMemoryBytes(q) / (1024 * 1024));
        } catch (VmhostException e) {
            booted[0] = 0; // a QEMU that cannot say: the configuration's maxmem, which it was started with
        }
        return (int) Math.min(d.config().maxmem(), booted[0] > 0 ? booted[0] : d.config().maxmem());
    }

    /**
     * What a running domain has been given: its last mem-set target (kept in its status across xend restarts), or
     * without one what its balloon reports, or its configured memory.
     */
    private int current(Domain d) {
        if (d.memoryTarget > 0) return d.memoryTarget;
        OptionalLong[] actual = {OptionalLong.empty()};
        service.qmp(d, "read the memory of", q -> actual[0] = QemuStats.balloonKib(q));
        return actual[0].isPresent() ? (int) ((actual[0].getAsLong() + 1023) / 1024) : d.config().memory();
    }

}
