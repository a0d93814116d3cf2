package org.vmhost.cli;

import java.time.Duration;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm reboot [-w] DOMAIN}. */
@Command(name = "reboot", description = {"Reboot a domain: its guest shuts down cleanly (ACPI power button) and starts again."})
final class RebootCommand extends DaemonCommand {

    @Option(names = {"-w", "--wait"}, description = "Wait until the guest has restarted.")
    boolean waitForIt;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "With -w, give up after this long (default ${DEFAULT-VALUE} s).")
    long timeout;

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name, id or UUID.")
    String domain;

    RebootCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        xend.reboot(domain, waitForIt ? Duration.ofSeconds(timeout) : Duration.ZERO);
        return 0;
    }
}
