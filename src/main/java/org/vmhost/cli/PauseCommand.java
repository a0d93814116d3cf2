package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm pause DOMAIN}. */
@Command(name = "pause", description = "Pause a domain: its virtual CPUs stop; memory and devices stay.")
final class PauseCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    PauseCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.pause(domain);
        return 0;
    }
}
