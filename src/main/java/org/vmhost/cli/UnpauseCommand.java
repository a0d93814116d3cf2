package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm unpause DOMAIN}. */
@Command(name = "unpause", description = "Resume a paused domain.")
final class UnpauseCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    UnpauseCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.unpause(domain);
        return 0;
    }
}
