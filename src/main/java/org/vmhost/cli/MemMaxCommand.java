package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm mem-max DOMAIN MB}. */
@Command(name = "mem-max", description = {"Set the most memory a domain may be given (its maxmem).",
        "Kept in its configuration; not below the memory it has now. While it runs, at most the RAM it was started "
                + "with: xm mem-set can then grow it up to this."})
final class MemMaxCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "MB", description = "The maximum memory in MiB.")
    int mib;

    MemMaxCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.setMaxMemory(domain, mib);
        return 0;
    }
}
