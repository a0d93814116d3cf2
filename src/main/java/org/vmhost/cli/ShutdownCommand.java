package org.vmhost.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import org.vmhost.error.VmhostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm shutdown [-w] [-a] [DOMAIN]}. */
@Command(name = "shutdown", description = {"Ask a domain to shut down, by pressing its ACPI power button.",
        "The guest decides; 'xm destroy' stops one that will not."})
final class ShutdownCommand extends DaemonCommand {

    @Option(names = {"-w", "--wait"}, description = "Wait until the domain has shut down.")
    boolean waitForIt;

    @Option(names = {"-a", "--all"}, description = "Shut down every running domain.")
    boolean all;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "With -w, give up after this long (default ${DEFAULT-VALUE} s).")
    long timeout;

    @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "The domain, by name, id or UUID.")
    String domain;

    ShutdownCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        if (all == (domain != null)) {
            context.err().println("Error: give either a domain or -a (see 'xm help shutdown')");
            return XmMain.EXIT_USAGE;
        }
        Duration wait = waitForIt ? Duration.ofSeconds(timeout) : Duration.ZERO;
        List<String> targets = new ArrayList<>();
        if (all) {
            for (DomainInfo d : xend.list()) {
                if (d.domid().isPresent() && d.domid().getAsInt() != 0) targets.add(d.uuid());
            }
        } else {
            targets.add(domain);
        }
        // Press every button first, then wait: the guests shut down side by side.
        for (String t : targets) xend.shutdown(t, Duration.ZERO);
        if (waitForIt) {
            for (String t : targets) {
                try {
                    xend.shutdown(t, wait);
                } catch (VmhostException e) {
                    // Already gone, or no longer in a state to be asked: that is what we waited for.
                    if (e.code() != org.vmhost.error.ErrorCode.NO_SUCH_DOMAIN
                            && e.code() != org.vmhost.error.ErrorCode.INVALID_STATE) throw e;
                }
            }
        }
        return 0;
    }
}
