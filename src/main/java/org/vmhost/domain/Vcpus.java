package org.vmhost.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmhost.config.DomainConfig;
import org.vmhost.config.DomainType;
import org.vmhost.qemu.CpuHotplug;
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

    /**
     * {@code xm vcpu-set}: a running hvm domain gets CPUs hot-plugged into its free slots or taken out (the guest
     * ejects them), up to its {@code maxvcpus}; a paused one can get more but give none back; a stopped one gets
     * {@code vcpus} in its stored configuration (and {@code maxvcpus} raised to it, as xend did).
     */
    void set(String ref, int count) {
        Domain d = service.require(ref, "set the vCPUs of");
        d.runJob("set the vCPUs of", () -> {
            if (count < 1) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' needs at least 1 vCPU, not " + count);
            }
            DomainConfig config = d.config();
            if (!running(d)) {
                if (count > DomainConfig.MAX_VCPUS) {
                    throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' can have at most "
                            + DomainConfig.MAX_VCPUS + " vCPUs, not " + count);
                }
                service.redefine(d, count > config.maxvcpus() ? List.of("vcpus=" + count, "maxvcpus=" + count)
                        : List.of("vcpus=" + count));
                service.event(d, "vcpu-set", "vcpus " + count + " in its configuration, for its next start");
                return;
            }
            if (config.type() == DomainType.PV) {
                throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is pv: QEMU's microvm machine "
                        + "cannot hot-plug CPUs, so it keeps the vCPUs it started with until it is restarted");
            }
            List<CpuHotplug.Slot> slots = slots(d);
            if (count > slots.size()) {
                throw new VmhostException(ErrorCode.BAD_REQUEST, "domain '" + d.name() + "' can have at most " + slots.size()
                        + " vCPUs (its maxvcpus at start), not " + count);
            }
            long pid = d.runtime.process().handle().pid();
            int present = (int) slots.stream().filter(CpuHotplug.Slot::present).count();
            DomainState state = d.state();
            if (count < present && state != DomainState.RUNNING) {
                // QEMU only asks; the guest ejects the CPU itself, which a stopped vCPU never does (it would time out).
                throw new VmhostException(ErrorCode.INVALID_STATE, "domain '" + d.name() + "' is "
                        + state.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ", so it cannot give vCPUs back"
                        + " (the guest ejects them itself: ACPI CPU hot-unplug); it keeps its " + present + " vCPUs"
                        + (state == DomainState.PAUSED ? " (xm unpause it first)" : ""));
            }
            for (CpuHotplug.Slot slot : slots) {
                if (present >= count) break;
                if (slot.present()) continue;
                service.qmp(d, "add a vCPU to", q -> CpuHotplug.add(q, slot));
                present++;
                pinHotplugged(d.name(), config, pid, slot.vcpu());
            }
            for (int i = slots.size() - 1; i > 0 && present > count; i--) {
                CpuHotplug.Slot slot = slots.get(i);
                if (!slot.present()) continue;
                service.qmp(d, "remove a vCPU from", q -> CpuHotplug.remove(q, slot));
                awaitRemoved(d, slot);
                present--;
            }
            service.event(d, "vcpu-set", count + " vCPU" + (count == 1 ? "" : "s"));
        });
    }

    private List<CpuHotplug.Slot> slots(Domain d) {
        List<List<CpuHotplug.Slot>> out = new ArrayList<>();
        service.qmp(d, "set the vCPUs of", q -> out.add(CpuHotplug.slots(q).orElseThrow(() -> new VmhostException(
                ErrorCode.INVALID_STATE, "domain '" + d.name() + "': its machine cannot hot-plug CPUs"))));
        return out.get(0);
    }

    /** How long a guest has to eject a CPU it was asked to give back. */
    static final java.time.Duration EJECT_WAIT = java.time.Duration.ofSeconds(20);

    private void awaitRemoved(Domain d, CpuHotplug.Slot slot) {
        long until = System.nanoTime() + EJECT_WAIT.toNanos();
        while (System.nanoTime() < until) {
            if (!slots(d).get(slot.vcpu()).present()) return;
            LocalDomainService.sleep(java.time.Duration.ofMillis(200));
        }
        throw new VmhostException(ErrorCode.TIMEOUT, "domain '" + d.name() + "' did not give vCPU " + slot.vcpu() + " back within "
                + EJECT_WAIT.toSeconds() + " s (the guest must eject it: ACPI CPU hot-unplug); it still has it");
    }

    /** A hot-plugged vCPU gets its {@code cpus=} set as a started one does. */
    private static void pinHotplugged(String name, DomainConfig config, long pid, int vcpu) {
        CpuSet set = cpuSet(name, config, vcpu);
        if (set != null && !set.all()) VcpuPinning.pin(name, pid, vcpu, set.list());
    }

    /** The parsed set vCPU {@code vcpu} is bound to, null for none; a CPU the host lacks names the field. */
    private static CpuSet cpuSet(String name, DomainConfig config, int vcpu) {
        Optional<String> text = config.cpusOf(vcpu);
        if (text.isEmpty()) return null;
        try {
            return CpuSet.parse(text.get(), CpuSet.online());
        } catch (IllegalArgumentException e) {
            String field = config.vcpuCpus().isEmpty() ? "cpus" : "cpus[" + vcpu + "]";
            throw new VmhostException(ErrorCode.INVALID_CONFIG, "domain '" + name + "': " + field + ": " + e.getMessage());
        }
    }

    /**
     * Before the guest runs: its vCPU threads on the CPUs {@code cpus=} names, one set for all or, in the list
     * form, vCPU i on the i-th. Every set is checked (also those of vCPUs that may be hot-plugged later) before
     * any thread is pinned.
     */
    static void applyAtStart(String name, DomainConfig config, long pid) {
        int sets = config.vcpuCpus().isEmpty() ? 1 : config.vcpuCpus().size();
        for (int i = 0; i < sets; i++) cpuSet(name, config, i);
        if (config.vcpuCpus().isEmpty()) {
            CpuSet set = cpuSet(name, config, 0);
            if (set != null && !set.all()) VcpuPinning.pin(name, pid, -1, set.list());
            return;
        }
        for (int i = 0; i < Math.min(config.vcpus(), config.vcpuCpus().size()); i++) {
            CpuSet set = cpuSet(name, config, i);
            if (!set.all()) VcpuPinning.pin(name, pid, i, set.list());
        }
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

    /** How many vCPUs a running QEMU has now (after xm vcpu-set), from its threads; {@code configured} otherwise. */
    static int count(long pid, int configured) {
        if (pid <= 0) return configured;
        int n = org.vmhost.monitor.VcpuThread.read(java.nio.file.Path.of("/proc"), pid).size();
        return n > 0 ? n : configured;
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
