package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm net-delete NAME}. */
@Command(name = "net-delete", description = "Delete a network: its bridge (if xend made it), DHCP and rules go; refused while a vif is on it.")
final class NetDeleteCommand extends DaemonCommand {

    @Parameters(paramLabel = "NAME", description = "The network's name.")
    String name;

    NetDeleteCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.deleteNetwork(name);
        return 0;
    }
}
