package org.vmhost.cli;

import java.util.List;
import org.vmhost.domain.DomainService;
import org.vmhost.network.Vif;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code xm network-list [-l] DOMAIN...}: Xen's columns. There is no event channel or ring here, so those
 * show {@code -}; BE-path names the host side: the tap and its bridge.
 */
@Command(name = "network-list", description = "List the vifs of running domains, with Xen's columns; BE-path is the tap and its bridge.")
final class NetworkListCommand extends DaemonCommand {

    @Option(names = {"-l", "--long"}, description = "Each vif as an SXP list.")
    boolean longFormat;

    @Parameters(paramLabel = "DOMAIN", arity = "1..*", description = "The domains, by name, id or UUID.")
    List<String> domains;

    NetworkListCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        if (!longFormat) {
            context.out().println("Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path");
        }
        for (String domain : domains) {
            for (Vif v : xend.listVifs(domain)) {
                String backend = v.tap().map(t -> t + "@" + v.bridge().orElse("-")).orElse("user-mode");
                if (longFormat) {
                    context.out().printf("(%d%n    ((backend-id 0)%n     (mac %s)%n     (handle %d)%n     (state 4)%n"
                                    + "     (bridge %s)%n     (vifname %s)%n     (model %s)%n     (rate %s)%n    )%n)%n",
                            v.devid(), v.mac(), v.devid(), v.bridge().orElse("-"), v.tap().orElse("-"), v.model(),
                            v.rate().orElse("-"));
                } else {
                    context.out().printf("%-3d %-2d %-17s %6d %5d %6s %8s/%-6s %s%n", v.devid(), 0, v.mac(), v.devid(), 4,
                            "-", "-", "-", backend);
                }
            }
        }
        return 0;
    }
}
