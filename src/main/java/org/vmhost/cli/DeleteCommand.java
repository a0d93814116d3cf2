package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm delete DOMAIN}. */
@Command(name = "delete", description = "Remove a managed domain's definition; it must not be running.")
final class DeleteCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    DeleteCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.delete(domain);
        return 0;
    }
}
