package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm domid DOMAIN}. */
@Command(name = "domid", description = "Print a domain's id.")
final class DomidCommand extends DaemonCommand {

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    DomidCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        context.out().println(xend.get(domain).domid().stream().mapToObj(Integer::toString).findFirst().orElse("None"));
        return 0;
    }
}
