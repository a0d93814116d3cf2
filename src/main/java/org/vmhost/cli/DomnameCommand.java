package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm domname DOMAIN}. */
@Command(name = "domname", description = "Print a domain's name.")
final class DomnameCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    DomnameCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        context.out().println(xend.get(domain).name());
        return 0;
    }
}
