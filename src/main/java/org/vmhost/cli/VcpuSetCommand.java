package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm vcpu-set DOMAIN N}. */
@Command(name = "vcpu-set", description = {"Set the number of a domain's vCPUs.",
        "A running hvm domain gets CPUs hot-plugged (the guest brings them online) or ejected, from 1 up to its "
                + "maxvcpus; a pv domain (microvm) cannot hot-plug CPUs. A stopped domain's configuration is changed."})
final class VcpuSetCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "N", description = "The number of vCPUs.")
    int count;

    VcpuSetCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.setVcpus(domain, count);
        return 0;
    }
}
