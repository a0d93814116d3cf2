package org.vmhost.cli;

import java.util.Optional;
import org.vmhost.domain.DomainService;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.network.NetworkConfig;
import org.vmhost.network.NetworkInfo;
import org.vmhost.network.NetworkType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm net-create NAME --type bridged|nat|isolated [--bridge BR] [--subnet CIDR] [--uplink DEV]}. */
@Command(name = "net-create", description = {
        "Create a network for guests and keep it (vifs name it with bridge=NAME).",
        "  bridged:  a host bridge (default xenbr0's kind), made empty when missing; the host's own addresses are never moved.",
        "  nat:      its own bridge and subnet; dnsmasq gives guests addresses and names, nftables masquerades.",
        "  isolated: a bridge with no way out: guests on it reach each other only, not the host."})
final class NetCreateCommand extends DaemonCommand {

    @Parameters(paramLabel = "NAME", description = "The network's name.")
    String name;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "bridged", description = "bridged, nat or isolated (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--bridge", paramLabel = "BR", description = "The host bridge (default: the network's name).")
    String bridge;

    @Option(names = "--subnet", paramLabel = "CIDR", description = "For nat: the IPv4 subnet, e.g. 192.168.100.0/24; the host takes .1.")
    String subnet;

    @Option(names = "--uplink", paramLabel = "DEV", description = {"For bridged: move this host interface into the bridge,",
            "with its IPv4 addresses and routes (as Xen's network-bridge did with eth0); net-delete moves them back."})
    String uplink;

    NetCreateCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        NetworkConfig config;
        try {
            config = new NetworkConfig(name, NetworkType.fromConfigName(type), bridge == null ? name : bridge,
                    Optional.ofNullable(subnet), Optional.ofNullable(uplink));
        } catch (IllegalArgumentException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        NetworkInfo n = xend.createNetwork(config);
        context.out().println("network '" + n.name() + "' created: " + n.type() + " on bridge " + n.bridge()
                + n.subnet().map(s -> ", subnet " + s).orElse("") + n.uplink().map(u -> ", uplink " + u).orElse(""));
        return 0;
    }
}
