package org.vmhost.cli;

import java.util.List;
import java.util.Locale;
import org.vmhost.domain.DomainService;
import org.vmhost.resources.VcpuInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm vcpu-list [DOMAIN]}, in Xen's columns. */
@Command(name = "vcpu-list", description = {"List the vCPUs of a running domain, or of every running domain:",
        "the host CPU each last ran on, its state (r running, b blocked, p paused), CPU time and affinity."})
final class VcpuListCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "A domain by name, id or UUID.")
    String domain;

    VcpuListCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        context.out().print(table(xend.listVcpus(domain == null ? "" : domain)));
        return 0;
    }

    /** xm's {@code %-32s %5s %5s %5s %5s %9s %s}. */
    static String table(List<VcpuInfo> vcpus) {
        StringBuilder sb = new StringBuilder(String.format("%-32s %5s %5s %5s %5s %9s %s%n",
                "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "CPU Affinity"));
        for (VcpuInfo v : vcpus) {
            sb.append(String.format(Locale.ROOT, "%-32s %5d %5d %5d %5s %9.1f %s%n", v.name(), v.domid(), v.vcpu(), v.cpu(),
                    v.state(), v.time(), v.affinity()));
        }
        return sb.toString();
    }
}
