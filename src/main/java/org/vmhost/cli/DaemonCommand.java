package org.vmhost.cli;

import java.util.concurrent.Callable;
import org.vmhost.api.ApiClient;
import org.vmhost.domain.DomainService;
import org.vmhost.error.VmhostException;
import org.vmhost.domain.XendHome;
import picocli.CommandLine.Option;

/**
 * A subcommand that asks xend: it reaches xend's UNIX socket under {@code $VMHOST_HOME} and turns every
 * failure into one {@code Error:} line and the exit status of its error code.
 */
abstract class DaemonCommand implements Callable<Integer> {
    final XmContext context;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    DaemonCommand(XmContext context) {
        this.context = context;
    }

    /** Does the work; output goes to {@code context.out()}. */
    abstract int run(DomainService xend);

    @Override
    public final Integer call() {
        try {
            return run(connect(context));
        } catch (VmhostException e) {
            context.err().println("Error: " + e.getMessage());
            return e.code().exitStatus();
        }
    }

    static DomainService connect(XmContext context) {
        return new ApiClient(XendHome.fromEnvironment(context.env()).apiSocket());
    }
}
