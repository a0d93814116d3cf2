package org.vmhost.resources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.host.HostCommand;
import org.vmhost.monitor.VcpuThread;

/** Reads and sets which host CPUs a QEMU's vCPU threads run on. */
public final class VcpuPinning {
    private static final Path PROC = Path.of("/proc");

    private VcpuPinning() {
    }

    /** The vCPUs of a domain's QEMU, in xm vcpu-list's terms. */
    public static List<VcpuInfo> list(String name, int domid, long pid, boolean paused) {
        List<VcpuInfo> out = new ArrayList<>();
        int host = CpuSet.online();
        for (VcpuThread t : VcpuThread.read(PROC, pid)) {
            String state = paused ? "--p" : t.running() ? "r--" : "-b-";
            String affinity = t.affinity();
            try {
                if (CpuSet.parse(affinity, host).all()) affinity = "any cpu";
            } catch (IllegalArgumentException e) {
                // an affinity beyond the CPUs online: shown as the kernel says it
            }
            out.add(new VcpuInfo(name, domid, t.vcpu(), t.hostCpu(), state, t.cpuSeconds(), affinity));
        }
        return out;
    }

    /**
     * Pins vCPU {@code vcpu} (or every one, when negative) of the QEMU {@code pid} to {@code cpus}. The CPU set is
     * checked before anything changes; a vCPU the domain lacks is refused naming how many it has.
     */
    public static void pin(String domain, long pid, int vcpu, String cpus) {
        CpuSet set;
        try {
            set = CpuSet.parse(cpus, CpuSet.online());
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, "cannot pin domain '" + domain + "': " + e.getMessage());
        }
        List<VcpuThread> threads = VcpuThread.read(PROC, pid);
        if (threads.isEmpty()) {
            throw new VmhostException(ErrorCode.HOST_FAILED, "domain '" + domain + "': no vCPU threads found in QEMU pid " + pid);
        }
        List<VcpuThread> chosen = vcpu < 0 ? threads : threads.stream().filter(t -> t.vcpu() == vcpu).toList();
        if (chosen.isEmpty()) {
            throw new VmhostException(ErrorCode.NO_SUCH_DEVICE, "domain '" + domain + "' has no vCPU " + vcpu
                    + "; it has " + threads.size() + " (0-" + (threads.size() - 1) + ")");
        }
        for (VcpuThread t : chosen) {
            HostCommand.Result r = HostCommand.of("taskset", "-p", "-c", set.list(), Long.toString(t.tid())).tryRun();
            if (!r.ok()) {
                throw new VmhostException(ErrorCode.HOST_FAILED, "cannot pin vCPU " + t.vcpu() + " of domain '" + domain
                        + "' to CPUs " + set.list() + ": " + r.output().strip());
            }
        }
    }
}
