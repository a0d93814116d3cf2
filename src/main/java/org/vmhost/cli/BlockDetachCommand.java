package org.vmhost.cli;

import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm block-detach DOMAIN DEVID [-f]}. */
@Command(name = "block-detach", description = {"Take a disk out of a domain and its configuration.",
        "A running guest must release it within 10 s; --force drops it from the configuration even when it does not."})
final class BlockDetachCommand extends DaemonCommand {

    @Option(names = {"-f", "--force"}, description = "Drop the disk from the configuration even if the guest holds on to it.")
    boolean force;

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    @Parameters(index = "1", paramLabel = "DEVID", description = "The disk's device number (see xm block-list) or vdev.")
    String device;

    BlockDetachCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.detachBlockDevice(domain, device, force);
        return 0;
    }
}
