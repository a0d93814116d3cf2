package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm network-detach DOMAIN DEVID|MAC [-f]}. */
@Command(name = "network-detach", description = "Unplug a NIC from a running domain; its tap goes.")
final class NetworkDetachCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "DEVID|MAC", description = "The vif, by devid (xm network-list's Idx) or MAC.")
    String device;

    @Option(names = {"-f", "--force"}, description = "Cut the NIC off from the host even if the guest does not release it.")
    boolean force;

    NetworkDetachCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.detachVif(domain, device, force);
        return 0;
    }
}
