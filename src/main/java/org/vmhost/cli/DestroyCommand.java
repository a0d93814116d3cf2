package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm destroy DOMAIN}. */
@Command(name = "destroy", description = "Stop a domain at once, as pulling the plug; a transient domain is gone afterwards.")
final class DestroyCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    DestroyCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.destroy(domain);
        return 0;
    }
}
