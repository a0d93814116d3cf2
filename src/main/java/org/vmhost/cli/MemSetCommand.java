package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code xm mem-set DOMAIN MB}. */
@Command(name = "mem-set", description = {"Set a running domain's memory, through its balloon.",
        "The guest gives memory back (or takes it again) in its own time; at most its maxmem (xm mem-max)."})
final class MemSetCommand extends DaemonCommand {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "A domain by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "MB", description = "The memory target in MiB.")
    int mib;

    MemSetCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.setMemory(domain, mib);
        return 0;
    }
}
