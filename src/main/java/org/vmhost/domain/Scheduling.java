package org.vmhost.domain;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import org.vmhost.config.DomainConfig;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.resources.CpuController;
import org.vmhost.resources.SchedCredit;

/**
 * The credit scheduler: {@code cpu_weight}/{@code cpu_cap} applied as a domain starts, {@code xm sched-credit}
 * while it runs, the group removed when it stops. The domain side of {@link CpuController}; package-private,
 * {@link LocalDomainService} delegates to it in one line each.
 */
final class Scheduling {
    private final LocalDomainService service;
    private final DomainRegistry registry;
    private final Optional<CpuController> controller;
    /** Weight and cap of each running domain, as last set. */
    private final Map<String, int[]> current = new ConcurrentHashMap<>();

    Scheduling(LocalDomainService service, DomainRegistry registry, Path cgroupRoot, Path home) {
        this.service = service;
        this.registry = registry;
        this.controller = CpuController.detect(cgroupRoot, CpuController.xendName(home));
    }

    /** xend stopping: its own group goes if no guest is left in it. */
    void close() {
        controller.ifPresent(CpuController::removeXendGroupIfEmpty);
    }

    /** After recovery: the groups of domains that ended while xend was away go. */
    void sweep() {
        java.util.Set<String> running = new java.util.HashSet<>();
        for (Domain d : registry.all()) if (d.runtime != null) running.add(d.uuid);
        controller.ifPresent(c -> c.sweep(running));
    }

    /** For {@code xm info}: which controller, or why there is none. */
    String describe() {
        return controller.map(CpuController::describe).orElse("none (no cgroup CPU controller mounted)");
    }

    /**
     * Before anything is made for a start: the configuration's weight and cap are in range, and this host can apply
     * them, or the start is refused with nothing to undo.
     */
    void checkAtStart(Domain d, DomainConfig config) {
        CpuController.check(d.name(), config.cpuWeight(), config.cpuCap(), config.vcpus());
        if (controller.isEmpty() && (config.cpuWeight() != CpuController.DEFAULT_WEIGHT || config.cpuCap() != 0)) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "domain '" + d.name() + "' sets cpu_weight or cpu_cap, but "
                    + describe());
        }
    }

    /** Before the guest runs: its QEMU in a group of its own with the configuration's weight and cap. */
    void applyAtStart(Domain d, DomainConfig config, long pid) {
        // Every domain gets a group, so that weights compare among siblings. A process already gone (or a
        // stand-in with no process, in the service's unit tests) has nothing to schedule.
        if (controller.isEmpty() || ProcessHandle.of(pid).isEmpty()) return;
        controller.get().place(d.uuid, pid, config.cpuWeight(), config.cpuCap());
        current.put(d.uuid, new int[] {config.cpuWeight(), config.cpuCap()});
    }

    /** After the QEMU is gone. */
    void release(Domain d) {
        current.remove(d.uuid);
        controller.ifPresent(c -> {
            try {
                c.remove(d.uuid);
            } catch (VmhostException e) {
                LocalDomainService.LOG.log(Level.WARNING, "domain '" + d.name() + "': " + e.getMessage());
            }
        });
    }

    List<SchedCredit> list(String ref) {
        List<SchedCredit> out = new ArrayList<>();
        if (ref == null || ref.isEmpty()) {
            for (Domain d : registry.all()) if (d.runtime != null && d.domid().isPresent()) out.add(of(d));
            return out;
        }
        return List.of(of(service.require(ref, "show the scheduler settings of")));
    }

    /**
     * A domain's settings in force: as last set by this xend, else (an xend that restarted and re-attached) read
     * back from its group, else, for a domain with no group, its configuration's.
     */
    private SchedCredit of(Domain d) {
        int[] wc = current.get(d.uuid);
        if (wc == null && d.runtime != null && controller.isPresent()) {
            wc = controller.get().read(d.uuid, d.name(), d.domid().orElse(-1))
                    .map(s -> new int[] {s.weight(), s.cap()}).orElse(null);
            if (wc != null) current.put(d.uuid, wc);
        }
        if (wc == null) wc = new int[] {d.config().cpuWeight(), d.config().cpuCap()};
        return new SchedCredit(d.name(), d.domid().orElse(-1), wc[0], wc[1]);
    }

    /** {@code xm sched-credit -d DOM [-w W] [-c C]}: a null leaves that one as it is. */
    SchedCredit set(String ref, Integer weight, Integer cap) {
        Domain d = service.require(ref, "change the scheduler settings of");
        return d.runJob("change the scheduler settings of", () -> {
            if (d.runtime == null || d.domid().isEmpty()) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
            }
            SchedCredit before = of(d);
            int w = weight == null ? before.weight() : weight;
            int c = cap == null ? before.cap() : cap;
            // The cap's bound counts the vCPUs the domain has now, hot-plugged ones too.
            CpuController.check(d.name(), w, c, Vcpus.count(d.runtime.process().handle().pid(), d.config().vcpus()));
            CpuController ctl = controller.orElseThrow(() -> new VmhostException(ErrorCode.HOST_FAILED,
                    "cannot set the scheduler of domain '" + d.name() + "': " + describe()));
            ctl.set(d.uuid, w, c);
            current.put(d.uuid, new int[] {w, c});
            service.event(d, "sched-credit", "weight " + w + ", cap " + c);
            return of(d);
        });
    }
}
