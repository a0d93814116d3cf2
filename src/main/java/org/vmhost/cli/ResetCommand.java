package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm reset DOMAIN}. */
@Command(name = "reset", description = "Reset a domain, as pressing its reset button.")
final class ResetCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    ResetCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.reset(domain);
        return 0;
    }
}
