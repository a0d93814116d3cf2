package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import org.vmhost.network.NetworkInfo;
import picocli.CommandLine.Command;

/** {@code xm net-list}. */
@Command(name = "net-list", description = "List the networks xend keeps: name, type, bridge, subnet, whether the bridge is up, its ports.")
final class NetListCommand extends DaemonCommand {

    NetListCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        context.out().printf("%-20s %-9s %-15s %-18s %-6s %s%n", "Name", "Type", "Bridge", "Subnet", "Active", "Taps");
        for (NetworkInfo n : xend.listNetworks()) {
            context.out().printf("%-20s %-9s %-15s %-18s %-6s %s%n", n.name(), n.type(), n.bridge(), n.subnet().orElse("-"),
                    n.active() ? "yes" : "no", (n.taps().isEmpty() ? "-" : String.join(",", n.taps()))
                            + n.uplink().map(u -> " (uplink " + u + ")").orElse(""));
        }
        return 0;
    }
}
