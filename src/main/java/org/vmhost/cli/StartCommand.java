package org.vmhost.cli;

import org.vmhost.domain.DomainInfo;
import org.vmhost.domain.DomainService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xm start [-p] [-c] DOMAIN}. */
@Command(name = "start", description = "Start a managed domain (one defined with 'xm new').")
final class StartCommand extends DaemonCommand {

    @Option(names = {"-p", "--paused"}, description = "Leave the domain paused after it is created.")
    boolean paused;

    @Option(names = {"-c", "--console_autoconnect"}, description = "Connect to the console after the domain starts.")
    boolean console;

    @Parameters(paramLabel = "DOMAIN", description = "The domain, by name or UUID.")
    String domain;

    StartCommand(XmContext context) {
        super(context);
    }

    @Override
    int run(DomainService xend) {
        DomainInfo d = xend.start(domain, paused);
        context.out().println("Started domain " + d.name() + " (id=" + d.domid().orElse(-1) + ")");
        return console ? ConsoleCommand.attach(context, d.name()) : 0;
    }
}
