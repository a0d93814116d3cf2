package org.vmhost.domain;

import java.util.ArrayList;
import java.util.List;
import org.vmhost.config.DomainConfig;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.resources.CpuSet;
import org.vmhost.resources.VcpuInfo;
import org.vmhost.resources.VcpuPinning;

/**
 * {@code xm vcpu-list} and {@code xm vcpu-pin}, and the {@code cpus=} key applied as a domain starts: the domain
 * side of {@link VcpuPinning}. Package-private; {@link LocalDomainService} delegates to it in one line each.
 */
final class Vcpus {
    private final LocalDomainService service;
    private final DomainRegistry registry;

    Vcpus(LocalDomainService service, DomainRegistry registry) {
        this.service = service;
        this.registry = registry;
    }

    List<VcpuInfo> list(String ref) {
        List<VcpuInfo> out = new ArrayList<>();
        if (ref == null || ref.isEmpty()) {
            for (Domain d : registry.all()) if (running(d)) out.addAll(list(d));
            return out;
        }
        Domain d = service.require(ref, "list the vCPUs of");
        if (!running(d)) throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running; it has no vCPUs");
        return list(d);
    }

    private static List<VcpuInfo> list(Domain d) {
        DomainRuntime rt = d.runtime;
        if (rt == null) return List.of();
        return VcpuPinning.list(d.name(), d.domid().orElse(-1), rt.process().handle().pid(), d.state() == DomainState.PAUSED);
    }

    void pin(String ref, String vcpu, String cpus) {
        Domain d = service.require(ref, "pin the vCPUs of");
        int number;
        if (vcpu.equals("all")) {
            number = -1;
        } else {
            try {
                number = Integer.parseInt(vcpu);
            } catch (NumberFormatException e) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "a vCPU is a number or 'all', not '" + vcpu + "'");
            }
        }
        d.runJob("pin the vCPUs of", () -> {
            DomainRuntime rt = d.runtime;
            if (rt == null || !running(d)) throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is not running");
            VcpuPinning.pin(d.name(), rt.process().handle().pid(), number, cpus);
            service.event(d, "vcpu-pin", "vCPU " + vcpu + " pinned to CPUs " + cpus);
        });
    }

    /** Before the guest runs: its vCPU threads on the CPUs {@code cpus=} names, if it names any. */
    static void applyAtStart(String name, DomainConfig config, long pid) {
        config.cpus().ifPresent(cpus -> {
            CpuSet set;
            try {
                set = CpuSet.parse(cpus, CpuSet.online());
            } catch (IllegalArgumentException e) {
                throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + name + "': cpus: " + e.getMessage());
            }
            if (!set.all()) VcpuPinning.pin(name, pid, -1, cpus);
        });
    }

    /**
     * The state xm list shows: Xen's blocked for a running domain whose vCPU threads all sleep (the guest idles),
     * read from /proc at this moment; every other state as it is.
     */
    /** As {@link #shown(Domain)}, from a snapshot's state and QEMU's pid (0 or less: none). */
    static DomainState shown(DomainState state, long pid) {
        if (state != DomainState.RUNNING || pid <= 0) return state;
        List<org.vmhost.monitor.VcpuThread> threads = org.vmhost.monitor.VcpuThread.read(java.nio.file.Path.of("/proc"), pid);
        if (threads.isEmpty()) return state;
        for (org.vmhost.monitor.VcpuThread t : threads) if (t.running()) return state;
        return DomainState.BLOCKED;
    }

    static DomainState shown(Domain d) {
        DomainState state = d.state();
        DomainRuntime rt = d.runtime;
        if (state != DomainState.RUNNING || rt == null) return state;
        List<org.vmhost.monitor.VcpuThread> threads = org.vmhost.monitor.VcpuThread.read(java.nio.file.Path.of("/proc"),
                rt.process().handle().pid());
        if (threads.isEmpty()) return state;
        for (org.vmhost.monitor.VcpuThread t : threads) if (t.running()) return state;
        return DomainState.BLOCKED;
    }

    private static boolean running(Domain d) {
        return d.runtime != null && d.domid().isPresent() && d.state().active();
    }
}
