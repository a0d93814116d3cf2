package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm rename DOMAIN NEWNAME}. */
@Command(name = "rename", description = "Give a domain a new name; it may be running.")
final class RenameCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "NEWNAME", description = "Its new name.")
    String newName;

    RenameCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.rename(domain, newName);
        return 0;
    }
}
