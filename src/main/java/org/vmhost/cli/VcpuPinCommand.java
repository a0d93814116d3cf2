package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm vcpu-pin DOMAIN VCPU|all CPUS|all}. */
@Command(name = "vcpu-pin", description = {"Let a running domain's vCPU (or all of them) run only on these host CPUs.",
        "CPUS in Xen's syntax: \"0-3,5,^1\" (CPUs and ranges, ^ takes one out), or all."})
final class VcpuPinCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "VCPU", description = "A vCPU number, or all.")
    String vcpu;

    @Parameters(index = "2", paramLabel = "CPUS", description = "Host CPUs, or all.")
    String cpus;

    VcpuPinCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.pinVcpu(domain, vcpu, cpus);
        return 0;
    }
}
