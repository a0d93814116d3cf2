package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xm dmesg}: what the layer under the domains said, as xm showed Xen's own messages. */
@Command(name = "dmesg", description = {"Print xend's own messages: the accelerator it chose and why,",
        "each QEMU it started, re-attached or stopped."})
final class DmesgCommand extends DaemonCommand {

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100", description = "How many lines (default ${DEFAULT-VALUE}).")
    int lines;

    DmesgCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.dmesg(lines).forEach(context.out()::println);
        return 0;
    }
}
