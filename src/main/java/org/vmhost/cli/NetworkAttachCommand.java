package org.vmhost.cli;

import java.util.ArrayList;
import java.util.List;
import org.vmhost.config.ConfigValueException;
import org.vmhost.config.VifConfig;
import org.vmhost.config.VifSpec;
import org.vmhost.domain.DomainService;
import org.vmhost.error.ErrorCode;
import org.vmhost.error.VmhostException;
import org.vmhost.network.Vif;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm network-attach DOMAIN [mac=MAC] [bridge=BR] [model=MODEL] [rate=RATE] [vifname=NAME]}. */
@Command(name = "network-attach", description = {"Hot-plug a NIC into a running domain (a pv domain's: virtio, into a free hot-plug slot).",
        "Options as in a vif: mac= (random under 00:16:3e), bridge= (a network or bridge; xenbr0),",
        "model= (rtl8139, e1000, virtio), rate= (e.g. 10Mb/s), vifname= (the tap; vif<domid>.<devid>)."})
final class NetworkAttachCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "mac=, bridge=, model=, rate=, vifname=")
    List<String> options = new ArrayList<>();

    NetworkAttachCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        VifConfig vif;
        try {
            vif = VifSpec.parse(String.join(",", options), warning -> context.err().println("Warning: " + warning));
        } catch (ConfigValueException e) {
            throw new VmhostException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
        Vif made = xend.attachVif(domain, vif);
        context.out().println(made.devid() + " " + made.mac() + made.tap().map(t -> " " + t).orElse(""));
        return 0;
    }
}
